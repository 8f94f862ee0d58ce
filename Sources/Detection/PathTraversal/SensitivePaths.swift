import MirrorGuardCore

/// Files and directories whose only reason to appear in a request is to be read through a path traversal or
/// local file inclusion: OS accounts and configuration, process information, logs (log poisoning), secrets
/// of users and deployments. Written as segment patterns, compared case-insensitively:
/// `name` exact, `name*` prefix, `*` any one segment, `#` digits only.
enum SensitivePaths {
    /// Patterns that count only from the root of an absolute Unix path (`/etc/...`): the directories are
    /// system ones, but the same words are ordinary segments inside an application's URL.
    static let rooted = PathPatternSet([
        "etc/*", "proc/*", "sys/*", "root/*", "boot/*", "dev/tcp", "dev/udp", "dev/fd", "dev/std*", "dev/mem", "dev/kmem",
        "var/log*", "var/adm/*", "var/run/*", "var/mail/*", "var/spool/*", "var/www/*", "var/lib/*", "var/db/*", "var/cpanel/*",
        "var/apache*", "var/nginx/*", "var/httpd*", "var/mysql*", "var/backups/*", "var/opt/*", "var/tmp/*", "var/named/*",
        "usr/local/*", "usr/pkg/*", "usr/lib/*", "usr/ports/*", "usr/pkgsrc/*", "usr/sbin/*", "usr/etc/*", "usr/home/*", "usr/apache*", "usr/spool/*", "usr/adm/*",
        "opt/*", "private/*", "system/library/*", "library/webserver/*", "home/*/.*", "users/*/.*", "home*/*/public_html*",
        "tmp/sess_*", "var/lp/*", "www/logs/*", "logs/*.log", "log/*.log",
    ])

    /// Patterns that count from the root of a Windows path (`C:\`, `C:/` or a leading backslash).
    static let rootedWindows = PathPatternSet([
        "windows/*", "winnt/*", "boot.ini", "win.ini", "system.ini", "xampp*", "wamp*", "inetpub*", "apache*", "php*", "mysql*",
        "program files*", "programfiles*", "progra~1*", "documents and settings*", "appserv*", "sysprep*", "unattend*",
        "system volume information*", "minint*", "nginx*", "log/*", "logs/*", "pagefile.sys", "hiberfil.sys",
        "users/*/ntuser*", "users/*/appdata/*", "$recycle.bin/*", "documents and settings/*",
    ])

    /// Patterns that count anywhere in a path with at least one separator: unambiguous names of files and
    /// directory chains that no application serves under its own URLs.
    static let anywhere = PathPatternSet([
        // Unix accounts, configuration and process information.
        "etc/passwd*", "etc/shadow*", "etc/group*", "etc/gshadow*", "etc/master.passwd*", "etc/security/*", "etc/sudoers*",
        "etc/hosts*", "etc/hostname*", "etc/issue*", "etc/motd*", "etc/fstab*", "etc/crontab*", "etc/cron*", "etc/inittab*",
        "etc/os-release*", "etc/lsb-release*", "etc/redhat-release*", "etc/debian_version*", "etc/resolv.conf*", "etc/profile*",
        "etc/bashrc*", "etc/bash.bashrc*", "etc/environment*", "etc/ssh/*", "etc/ssl/*", "etc/mysql/*", "etc/my.cnf*",
        "etc/httpd*", "etc/apache*", "etc/nginx/*", "etc/php*", "etc/lighttpd*", "etc/tomcat*", "etc/init.d/*", "etc/rc.d/*",
        "etc/logrotate*", "etc/syslog*", "etc/rsyslog*", "etc/aliases*", "etc/exports*", "etc/ftp*", "etc/vsftpd*", "etc/proftp*",
        "etc/pure-ftpd*", "etc/samba/*", "etc/postfix/*", "etc/dovecot/*", "etc/network*", "etc/sysconfig/*", "etc/shells*",
        "etc/login.defs*", "etc/ld.so*", "etc/mtab*", "etc/updatedb.conf*", "etc/wpa_supplicant*", "etc/x11/*", "etc/apt/*",
        "etc/yum*", "etc/kubernetes/*", "etc/docker/*", "etc/apache2/*", "etc/mail/*", "etc/smb.conf*", "etc/ppp/*", "etc/hosts.*",
        "proc/self/*", "proc/#/*", "proc/version*", "proc/cpuinfo*", "proc/meminfo*", "proc/mounts*", "proc/net/*", "proc/cmdline*",
        "proc/sched_debug*", "proc/kcore*", "proc/partitions*", "proc/loadavg*", "proc/filesystems*", "proc/modules*",
        "proc/interrupts*", "proc/stat*", "proc/uptime*", "proc/devices*", "proc/swaps*", "proc/config.gz*",
        "var/log/*", "var/adm/*", "var/mail/*", "var/spool/*", "var/run/*", "var/cpanel/*", "var/lib/mysql*", "var/lib/pgsql*",
        "var/www/*", "var/db/*", "var/lp/*", "var/apache*", "usr/local/etc/*", "usr/local/apache*", "usr/local/nginx/*", "usr/local/lib/php*",
        "usr/local/php*", "usr/pkg/etc/*", "sys/class/*", "sys/kernel/*", "sys/devices/*", "sys/power/*",
        // Windows.
        "windows/win.ini*", "windows/system.ini*", "windows/system32*", "windows/syswow64*", "windows/repair*", "windows/panther*",
        "windows/debug*", "windows/php.ini*", "windows/my.ini*", "windows/windowsupdate.log*", "windows/iis*", "windows/inf/*",
        "windows/minidump*", "windows/temp/*", "windows/win.*", "winnt/*", "boot.ini*", "win.ini*", "system32/*", "inetpub/*",
        "xampp/*", "wamp*/*", "ntuser.dat*", "pagefile.sys", "hiberfil.sys", "unattend.xml", "unattended.xml", "sysprep.inf",
        "sysprep.xml", "desktop.ini", "logs/*.log", "log/*.log", "$recycle.bin/*",
        // Secrets of users and deployments.
        ".htaccess*", ".htpasswd*", ".htgroup*", ".env", ".env.*", ".git/*", ".svn/*", ".hg/*", ".bzr/*", ".ssh/*", ".gnupg/*",
        ".aws/*", ".azure/*", ".gcloud/*", ".kube/*", ".docker/*", ".bash_history*", ".zsh_history*", ".sh_history*",
        ".mysql_history*", ".psql_history*", ".bashrc*", ".bash_profile*", ".profile", ".netrc*", ".pgpass*", ".npmrc*", ".pypirc*",
        ".git-credentials*", ".my.cnf*", ".viminfo*", ".lesshst*", ".rhosts*", ".forward*", "id_rsa*", "id_dsa*", "id_ecdsa*",
        "id_ed25519*", "authorized_keys*", "known_hosts*", "web-inf/*", "meta-inf/*", "wp-config.php*", "web.config*",
        "localsettings.php*", "config.inc.php*", "database.yml*", "secrets.yml*", "credentials.xml*", "tomcat-users.xml*", "httpd.conf*", "apache2.conf*", "nginx.conf*", "php.ini*",
        "my.cnf*", "my.ini*", "access_log*", "error_log*", "access.log*", "error.log*", "ssl_error_log*", "ssl_access_log*",
        "catalina.out*", "mysql.log*", "mysql-bin.*", "auth.log*", "lastlog", "wtmp", "btmp", "master.passwd", "pass.dat",
        "passwd.dat", "users.db*", "htpasswd*", "ssh_host_*",
    ])

    /// Directory names that, right after a `../../` climb, say the climb aims at the system.
    static let systemRoots = PathPatternSet([
        "etc", "proc", "sys", "var", "usr", "root", "boot", "dev", "opt", "tmp", "home", "bin", "sbin", "lib", "srv", "private",
        "windows", "winnt", "system32", "inetpub", "xampp", "wamp", "program files", "programfiles", "documents and settings",
        "users", "boot.ini", "win.ini", "web-inf", "meta-inf", ".git", ".ssh", ".env", ".htaccess", ".htpasswd", "config",
    ])

    /// Names that give a probe away even as a bare value without any separator.
    static let bare = PathPatternSet([
        ".htaccess", ".htpasswd", ".htgroup", ".bash_history", ".zsh_history", ".sh_history", ".mysql_history", ".psql_history",
        ".bashrc", ".bash_profile", ".cshrc", ".tcshrc", ".netrc", ".pgpass", ".git-credentials", ".git/*", ".ssh/*", ".aws/*",
        ".svn/*", "boot.ini", "win.ini", "system.ini", "wp-config.php*", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
        "authorized_keys", "web-inf/*", "meta-inf/*", "etc/passwd*", "etc/shadow*", "proc/self/*",
    ])
}

/// Segment patterns grouped by the first byte of their first element, so a segment is compared only with the
/// patterns that can start there.
struct PathPatternSet: Sendable {
    struct Pattern: Sendable {
        let elements: [[UInt8]]
        let text: String
        /// The exact length a segment needs to match the first element, or 0 when it has a wildcard.
        let firstLength: Int

        init(elements: [[UInt8]], text: String) {
            self.elements = elements
            self.text = text
            let first = elements.first ?? []
            let wildcard = first.first == 0x2A || first.last == 0x2A || first == [ASCII.hash]
            firstLength = wildcard ? 0 : first.count
        }
    }

    private let buckets: [[Pattern]]

    init(_ patterns: [String]) {
        var buckets = [[Pattern]](repeating: [], count: 256)
        for text in patterns {
            let elements = text.split(separator: "/").map { Array($0.utf8) }
            guard let first = elements.first?.first else { continue }
            buckets[Int(first)].append(Pattern(elements: elements, text: text))
        }
        self.buckets = buckets
    }

    /// The first pattern matching the segments that start at `first`.
    func match(_ names: Names, from first: Int) -> Pattern? {
        guard first < names.count else { return nil }
        // Most segments differ in length from every pattern of their bucket: that is checked before any byte.
        let length = names.range(first).count
        let bucket = buckets[Int(names.first(first))]
        for index in bucket.indices where bucket[index].firstLength == 0 || bucket[index].firstLength == length {
            if Self.matches(bucket[index].elements, names, first) { return bucket[index] }
        }
        return nil
    }

    /// True when one single-element pattern equals the bytes in `start..<end`.
    func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard start < end else { return false }
        let segment = UnsafeBufferPointer(rebasing: bytes[start..<end])
        return buckets[Int(ASCII.lower(bytes[start]))].contains { $0.elements.count == 1 && Self.elementMatches($0.elements[0], segment) }
    }

    private static func matches(_ elements: [[UInt8]], _ names: Names, _ first: Int) -> Bool {
        guard first + elements.count <= names.count else { return false }
        var offset = 0
        while offset < elements.count {
            let range = names.range(first + offset)
            if !elementMatches(elements[offset], UnsafeBufferPointer(rebasing: names.bytes[range])) { return false }
            offset += 1
        }
        return true
    }

    /// Compares one pattern element with a segment, ASCII case-insensitively.
    private static func elementMatches(_ element: [UInt8], _ segment: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let lead = element.first, !segment.isEmpty else { return false }
        if element.count == 1 {
            if lead == 0x2A { return true }
            if lead == ASCII.hash { return segment.allSatisfy(ASCII.isDigit) }
        }
        if lead == 0x2A {
            // `*.log`: a suffix.
            let suffix = element.count - 1
            return segment.count > suffix && equal(element, from: 1, segment, at: segment.count - suffix, count: suffix)
        }
        if element.last == 0x2A {
            let stem = element.count - 1
            if stem == 1 && lead == ASCII.dot {
                // `.*`: any dot-name (`home/*/.*` = a hidden file in a home directory).
                return segment.count > 1 && segment[0] == ASCII.dot && segment[1] != ASCII.dot
            }
            return segment.count >= stem && equal(element, from: 0, segment, at: 0, count: stem)
        }
        return segment.count == element.count && equal(element, from: 0, segment, at: 0, count: element.count)
    }

    private static func equal(_ element: [UInt8], from: Int, _ segment: UnsafeBufferPointer<UInt8>, at: Int, count: Int) -> Bool {
        var offset = 0
        while offset < count {
            if ASCII.lower(segment[at + offset]) != element[from + offset] { return false }
            offset += 1
        }
        return true
    }
}

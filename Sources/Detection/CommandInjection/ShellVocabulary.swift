/// Commands an injected shell line runs, with what their arguments must look like before a word that is
/// also English (`cat`, `sleep`, `type`) counts as a command.
struct ShellCommand: Sendable {
    /// Argument shapes.
    struct Arguments: OptionSet, Sendable, Hashable {
        let rawValue: UInt16
        /// `-la`, `--help`, Windows `/all`.
        static let flag = Arguments(rawValue: 1 << 0)
        /// `/etc/passwd`, `~/x`, `./x`, `C:\x`, `%SYSTEMROOT%\x`.
        static let path = Arguments(rawValue: 1 << 1)
        /// `10`, `0x10`.
        static let number = Arguments(rawValue: 1 << 2)
        /// `127.0.0.1`.
        static let address = Arguments(rawValue: 1 << 3)
        /// `http://…`.
        static let url = Arguments(rawValue: 1 << 4)
        /// `$HOME`, `${x}`, `$(…)`, backquotes.
        static let variable = Arguments(rawValue: 1 << 5)
        /// `>` or `<` redirection.
        static let redirect = Arguments(rawValue: 1 << 6)
        /// A quoted string.
        static let quoted = Arguments(rawValue: 1 << 7)
        /// Another known command (`which python`).
        static let command = Arguments(rawValue: 1 << 8)
        /// A sub-command word listed for this command (`net user`).
        static let subcommand = Arguments(rawValue: 1 << 9)
        /// Nothing: the command ends the value or a separator follows.
        static let none = Arguments(rawValue: 1 << 10)
        /// Any word at all.
        static let word = Arguments(rawValue: 1 << 11)
    }

    let name: String
    /// After a separator (`; cmd`): argument shapes any of which makes it a command.
    let afterSeparator: Arguments
    /// At the start of the value with no separator before: shapes any of which makes the value a command line.
    let alone: Arguments
    /// Sub-commands for `.subcommand`.
    let subcommands: [String]
    /// The name is also an English word (`cat`, `sleep`): prose must not read as a command line.
    var isWord: Bool { ShellVocabulary.englishWords.contains(name) }

    init(_ name: String, after: Arguments, alone: Arguments = [], subcommands: [String] = []) {
        self.name = name
        self.afterSeparator = after
        self.alone = alone
        self.subcommands = subcommands
    }
}

enum ShellVocabulary {
    /// Command names that are also words of prose.
    static let englishWords: Set<String> = [
        "id", "cat", "type", "more", "head", "tail", "less", "sleep", "ping", "echo", "print", "which", "find", "grep", "kill",
        "set", "time", "test", "last", "touch", "host", "env", "dir", "ls", "ps", "pwd", "ver", "expr", "eval", "exec", "su",
        "passwd", "route", "node", "dash", "arp", "hostname", "whereis", "wc", "cp", "mv", "rm", "nl", "tac",
        "dig", "ftp", "ssh", "scp", "awk", "sed", "shutdown", "reboot", "uptime", "printf", "nohup", "sudo", "export",
    ]

    private static let anything: ShellCommand.Arguments = [
        .flag, .path, .number, .address, .url, .variable, .redirect, .quoted, .command, .subcommand, .none, .word,
    ]
    private static let shaped: ShellCommand.Arguments = [.flag, .path, .number, .address, .url, .variable, .redirect, .quoted]

    static let commands: [ShellCommand] = [
        // Words that are nothing but commands: any use after a separator, and on their own.
        ShellCommand("whoami", after: anything, alone: anything), ShellCommand("ifconfig", after: anything, alone: anything),
        ShellCommand("ipconfig", after: anything, alone: anything), ShellCommand("uname", after: anything, alone: anything),
        ShellCommand("netstat", after: anything, alone: anything), ShellCommand("nslookup", after: anything, alone: shaped),
        ShellCommand("systeminfo", after: anything, alone: anything), ShellCommand("sysinfo", after: anything, alone: [.none]),
        ShellCommand("tasklist", after: anything, alone: anything), ShellCommand("wmic", after: anything, alone: anything),
        ShellCommand("certutil", after: anything, alone: shaped), ShellCommand("bitsadmin", after: anything, alone: shaped),
        ShellCommand("netsh", after: anything, alone: anything), ShellCommand("printenv", after: anything, alone: [.none]),
        ShellCommand("wget", after: anything, alone: [.url, .flag, .address]), ShellCommand("curl", after: anything, alone: [.url, .flag, .address]),
        ShellCommand("nc", after: shaped.union([.none]), alone: [.flag]), ShellCommand("ncat", after: anything, alone: [.flag, .address]),
        ShellCommand("netcat", after: anything, alone: [.flag, .address]), ShellCommand("socat", after: anything, alone: [.flag, .word]),
        ShellCommand("telnet", after: shaped, alone: [.address]), ShellCommand("busybox", after: anything, alone: [.word]),
        ShellCommand("powershell", after: anything, alone: [.flag]), ShellCommand("pwsh", after: anything, alone: [.flag]),
        ShellCommand("cmd", after: [.flag], alone: [.flag]), ShellCommand("cmd.exe", after: anything, alone: [.flag]),
        ShellCommand("bash", after: shaped.union([.none]), alone: [.flag, .redirect]), ShellCommand("sh", after: shaped.union([.none]), alone: [.flag, .redirect]),
        ShellCommand("zsh", after: shaped.union([.none]), alone: [.flag]), ShellCommand("ksh", after: shaped.union([.none]), alone: [.flag]),
        ShellCommand("dash", after: shaped, alone: [.flag]), ShellCommand("csh", after: shaped.union([.none]), alone: [.flag]),
        ShellCommand("perl", after: shaped.union([.none]), alone: [.flag]), ShellCommand("python", after: shaped.union([.none]), alone: [.flag]),
        ShellCommand("python2", after: shaped.union([.none]), alone: [.flag]), ShellCommand("python3", after: shaped.union([.none]), alone: [.flag]),
        ShellCommand("ruby", after: shaped.union([.none]), alone: [.flag]), ShellCommand("php", after: shaped.union([.none]), alone: [.flag]),
        ShellCommand("node", after: [.flag, .path], alone: [.flag]), ShellCommand("lua", after: [.flag, .path], alone: [.flag]),
        ShellCommand("xterm", after: [.flag, .none], alone: [.flag]), ShellCommand("mkfifo", after: anything, alone: [.path]),
        ShellCommand("xxd", after: anything, alone: [.path]), ShellCommand("hexdump", after: anything, alone: [.path]),
        ShellCommand("base64", after: [.flag, .path, .none], alone: [.flag]), ShellCommand("openssl", after: [.flag, .word], alone: []),
        ShellCommand("useradd", after: anything, alone: [.flag]), ShellCommand("chmod", after: [.number, .flag, .path, .word], alone: [.number]),
        ShellCommand("chown", after: [.flag, .path, .word], alone: []), ShellCommand("crontab", after: [.flag, .path], alone: [.flag]),
        ShellCommand("nohup", after: anything, alone: [.path, .command]), ShellCommand("sudo", after: [.flag, .command, .path], alone: [.command]),
        ShellCommand("reg", after: [.subcommand], alone: [.subcommand], subcommands: ["add", "query", "delete", "save", "export"]),
        ShellCommand("net", after: [.subcommand], alone: [.subcommand],
            subcommands: ["user", "users", "view", "localgroup", "group", "share", "use", "start", "stop", "session", "accounts", "config"]),
        ShellCommand("phpinfo", after: [.none], alone: [.none]), ShellCommand("traceroute", after: shaped, alone: [.address]),
        ShellCommand("tracert", after: shaped, alone: [.address]), ShellCommand("route", after: [.flag, .subcommand, .none], alone: [.flag],
            subcommands: ["print", "add", "delete"]),
        ShellCommand("arp", after: [.flag], alone: [.flag]), ShellCommand("getent", after: [.word], alone: []),
        ShellCommand("gcc", after: [.flag, .path], alone: [.flag]), ShellCommand("javac", after: [.flag, .path], alone: [.flag]),
        ShellCommand("java", after: [.flag], alone: [.flag]), ShellCommand("php-cgi", after: anything, alone: [.flag]),
        // Commands that are also words: their arguments must look like a command line's.
        ShellCommand("id", after: [.none, .flag], alone: []), ShellCommand("pwd", after: [.none], alone: []),
        ShellCommand("ls", after: [.none, .flag, .path], alone: [.flag]), ShellCommand("dir", after: [.none, .flag, .path], alone: [.path]),
        ShellCommand("cat", after: [.path, .flag, .variable], alone: [.path]), ShellCommand("tac", after: [.path], alone: [.path]),
        ShellCommand("type", after: [.path], alone: [.path]), ShellCommand("more", after: [.path], alone: []),
        ShellCommand("head", after: [.path, .flag], alone: []), ShellCommand("tail", after: [.path, .flag], alone: []),
        ShellCommand("less", after: [.path], alone: []), ShellCommand("nl", after: [.path], alone: []),
        ShellCommand("sleep", after: [.number], alone: [.number]), ShellCommand("ping", after: [.flag, .address, .number], alone: [.flag, .address]),
        ShellCommand("echo", after: [.none, .quoted, .variable, .redirect], alone: [.redirect, .variable]),
        ShellCommand("print", after: [.quoted, .variable], alone: []), ShellCommand("printf", after: [.quoted, .variable], alone: []),
        ShellCommand("which", after: [.command], alone: [.command]), ShellCommand("whereis", after: [.command], alone: [.command]),
        ShellCommand("find", after: [.path, .flag], alone: []), ShellCommand("grep", after: [.flag, .path], alone: []),
        ShellCommand("kill", after: [.flag], alone: []), ShellCommand("ps", after: [.none, .flag], alone: []),
        ShellCommand("env", after: [.none], alone: []), ShellCommand("set", after: [.none], alone: []),
        ShellCommand("ver", after: [.none], alone: []), ShellCommand("hostname", after: [.none, .flag], alone: []),
        ShellCommand("rm", after: [.flag, .path], alone: [.flag]), ShellCommand("touch", after: [.path], alone: []),
        ShellCommand("mv", after: [.path, .flag], alone: []), ShellCommand("cp", after: [.path, .flag], alone: []),
        ShellCommand("wc", after: [.path, .flag], alone: []), ShellCommand("dig", after: [.flag, .address], alone: []),
        ShellCommand("host", after: [.address], alone: []), ShellCommand("time", after: [.command], alone: []),
        ShellCommand("expr", after: [.number], alone: []), ShellCommand("eval", after: [.quoted, .variable], alone: []),
        ShellCommand("exec", after: [.path, .command], alone: []), ShellCommand("su", after: [.flag, .none], alone: []),
        ShellCommand("tftp", after: shaped, alone: [.address]), ShellCommand("ftp", after: [.address, .flag], alone: []),
        ShellCommand("ssh", after: [.address, .flag], alone: []), ShellCommand("scp", after: [.flag, .path], alone: []),
        ShellCommand("awk", after: [.quoted, .flag], alone: []), ShellCommand("sed", after: [.quoted, .flag], alone: []),
        ShellCommand("shutdown", after: [.flag, .none], alone: [.flag]), ShellCommand("reboot", after: [.none], alone: []),
        ShellCommand("test", after: [.flag], alone: []), ShellCommand("uptime", after: [.none], alone: []),
        ShellCommand("last", after: [.flag], alone: []), ShellCommand("passwd", after: [.none], alone: []),
    ]

    /// Lookup by lowercase name packed into two words (names are at most 16 bytes).
    private static let index = WordTable(commands.enumerated().map { ($0.element.name, $0.offset) })

    static func command(named name: UnsafeBufferPointer<UInt8>) -> ShellCommand? {
        guard let position = index.value(name) else { return nil }
        return commands[position]
    }

}

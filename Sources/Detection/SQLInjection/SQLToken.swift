/// Lexical classes of the SQL tokenizer.
public enum SQLTokenKind: UInt8, Sendable {
    case number, string, identifier, keyword, function, variable, `operator`
    case leftParen, rightParen, comma, semicolon, dot, comment, unknown
}

/// One SQL token: a range of the input plus what it is. Plain data, no allocation.
public struct SQLToken: Sendable, Equatable {
    /// The class of the token.
    public var kind: SQLTokenKind
    /// Byte range in the input.
    public var start: Int
    public var end: Int
    /// Keyword or operator identity (`.none` for other kinds).
    public var word: SQLWord
    /// For strings: the quote byte, and whether the closing quote was found.
    public var quote: UInt8 = 0
    public var terminated = true

    public init(kind: SQLTokenKind, start: Int, end: Int, word: SQLWord = .none, quote: UInt8 = 0, terminated: Bool = true) {
        self.kind = kind
        self.start = start
        self.end = end
        self.word = word
        self.quote = quote
        self.terminated = terminated
    }
}

/// Keywords, operators and the functions that matter for recognition. The vocabulary is SQL's own
/// (MySQL, PostgreSQL, MSSQL, Oracle, SQLite), not a list of payloads.
public enum SQLWord: UInt16, Sendable {
    case none
    // statements
    case select, insert, update, delete, drop, create, alter, truncate, exec, execute, declare, set, shutdown, `if`, `while`, goto
    case waitfor, grant, revoke, call, copy, load, replace, merge, use, begin, show, describe, desc, handler, rename, `do`, with, backup, restore, kill, dbcc, open, close, fetch, print, raiserror, commit, rollback, attach, pragma, vacuum
    // clauses
    case union, all, distinct, from, `where`, group, order, by, having, limit, offset, into, outfile, dumpfile
    case procedure, `as`, on, join, inner, left, right, outer, cross, natural, using, asc, top, values, table
    case `for`, lock, share, mode, returning, straight_join, window, over, partition, fetchNext, only, rows, first, next, unionAll
    // expressions
    case and, or, xor, not, null, `true`, `false`, `is`, like, ilike, rlike, regexp, `in`, between, sounds, div, mod
    case `case`, when, then, `else`, end, exists, collate, binary, interval, escape, any, some, delay, time, glob, match, against, unknownWord
    // operators
    case boolean, natural_language, objectType, temporary
    case equal, nullSafeEqual, notEqual, less, lessOrEqual, greater, greaterOrEqual, notLess, notGreater
    case plus, minus, times, divide, modulo, bitAnd, bitOr, bitXor, bitNot, shiftLeft, shiftRight
    case logicalAnd, logicalOr, bang, assign, doubleColon, arrow, doubleArrow, question, colon
    // functions with meaning for recognition
    case timeFunction, errorFunction, fileFunction, infoFunction, stringFunction, commandFunction, catalog

    /// Statement starters (after `;` they make a stacked query).
    var isStatement: Bool {
        switch self {
        case .select, .insert, .update, .delete, .drop, .create, .alter, .truncate, .exec, .execute, .declare, .set, .if, .while, .goto,
             .shutdown, .waitfor, .grant, .revoke, .call, .copy, .load, .replace, .merge, .use, .begin, .show,
             .describe, .desc, .handler, .rename, .do, .with, .backup, .restore, .kill, .dbcc, .open, .close, .fetch,
             .print, .raiserror, .commit, .rollback, .attach, .pragma, .vacuum:
            return true
        default:
            return false
        }
    }

    /// `AND`, `OR`, `XOR`, `&&`, `||`.
    var isLogical: Bool {
        self == .and || self == .or || self == .xor || self == .logicalAnd || self == .logicalOr
    }

    /// Binary comparison operators (symbols and keyword forms handled in the parser).
    var isComparison: Bool {
        switch self {
        case .equal, .nullSafeEqual, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .notLess, .notGreater,
             .like, .ilike, .rlike, .regexp, .glob, .sounds:
            return true
        default:
            return false
        }
    }

    /// Arithmetic and bit operators.
    var isArithmetic: Bool {
        switch self {
        case .plus, .minus, .times, .divide, .modulo, .bitAnd, .bitOr, .bitXor, .shiftLeft, .shiftRight, .div, .mod,
             .doubleColon, .arrow, .doubleArrow, .assign:
            return true
        default:
            return false
        }
    }

    /// Functions whose call is an attack technique in itself (time, error, file, command, information).
    var isTechniqueFunction: Bool {
        self == .timeFunction || self == .errorFunction || self == .fileFunction || self == .commandFunction || self == .infoFunction
    }
}

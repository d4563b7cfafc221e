import CPCRE2

/// A regular expression that runs in bounded time and memory, whatever the value: PCRE2's interpreter with
/// a match limit, a depth limit and a heap limit, so a pattern that backtracks exponentially on some value
/// (`(a|aa)*$` on sixty `a`s and a `!`) stops at the limit and says so instead of freezing its route.
///
/// The only place muelle calls PCRE2. Patterns are compiled once (mappings are compiled at load); each
/// match gets its own match data and match context, so one compiled pattern serves every route worker at
/// once. The JIT stays off: it ignores the depth limit, and mapping patterns are small enough for the
/// interpreter.
///
/// Syntax and meaning are Perl's, as NSRegularExpression's (ICU) were for ordinary patterns: UTF-8 with
/// Unicode properties (`\d`, `\w` and case folding are Unicode-aware, as in ICU), `.` does not match a line
/// end, `$` matches at the end or before a final line end; it adds possessive repeats (`a++`) and atomic
/// groups (`(?>…)`), the usual cure for a pattern that backtracks too much.
public final class BoundedRegex: @unchecked Sendable {
    // @unchecked: `code` is never written after init, and PCRE2 documents a compiled pattern as safe to
    // share between threads; everything written while matching is allocated per call.

    /// How much work one match may do. PHP's PCRE defaults (`pcre.backtrack_limit` 1,000,000,
    /// `pcre.recursion_limit` 100,000), the most widely deployed bounds on PCRE: about 10–100 ms per value
    /// here. The heap limit caps the backtracking frames' memory (PCRE2's own default is 20 GB).
    public struct Limits: Sendable, Equatable {
        /// Calls of PCRE2's internal match function (each backtracking step).
        public var steps: UInt32 = 1_000_000
        /// Nested backtracking points: a pattern such as `(?:a|b)*` needs one per character it repeats over.
        public var depth: UInt32 = 100_000
        public var heapKiB: UInt32 = 64 * 1024

        public init() {}
    }

    /// A pattern PCRE2 refuses, with its message and the character where it stopped (1-based).
    public struct InvalidPattern: Error, Sendable, Equatable {
        public let message: String
        public let character: Int
    }

    /// A match that needed more than `limits` allowed: the value is not matched, replaced or captured.
    public struct LimitExceeded: Error, Sendable, Equatable {
        /// Which limit: "steps", "depth" or "memory".
        public let limit: String
        public let limits: Limits

        /// `more than 1000000 backtracking steps`, for a message.
        public var description: String {
            switch limit {
            case "steps": "more than \(limits.steps) backtracking steps"
            case "depth": "backtracking nested more than \(limits.depth) deep"
            default: "more than \(limits.heapKiB / 1024) MB for backtracking"
            }
        }
    }

    public let pattern: String
    /// Capture groups, numbered from 1 (group 0 is the whole match).
    public let captureCount: Int
    /// Named groups (`(?<vendor>…)`) and their numbers, in the order of the numbers.
    public let namedGroups: [(name: String, number: Int)]
    public let limits: Limits
    private let code: OpaquePointer

    public init(_ pattern: String, limits: Limits = Limits()) throws(InvalidPattern) {
        var error: Int32 = 0
        var offset = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer { buffer in
            Self.address(buffer) { muelle_pcre2_compile($0, buffer.count, UInt32(PCRE2_UTF | PCRE2_UCP), &error, &offset) }
        }
        guard let compiled else {
            // The offset is in bytes; people count characters.
            let character = String(decoding: bytes.prefix(offset), as: UTF8.self).count + 1
            throw InvalidPattern(message: Self.message(for: error), character: character)
        }
        self.pattern = pattern
        self.code = compiled
        self.captureCount = Int(muelle_pcre2_capture_count(compiled))
        self.namedGroups = Self.namedGroups(of: compiled)
        self.limits = limits
    }

    deinit { muelle_pcre2_code_free(code) }

    private static func namedGroups(of code: OpaquePointer) -> [(name: String, number: Int)] {
        let count = Int(muelle_pcre2_name_count(code)), size = Int(muelle_pcre2_name_entry_size(code))
        guard count > 0, size > 2, let table = muelle_pcre2_name_table(code) else { return [] }
        return (0..<count).map { i in
            let entry = table + i * size
            let number = Int(entry[0]) << 8 | Int(entry[1])
            let name = UnsafeBufferPointer(start: entry + 2, count: size - 2).prefix { $0 != 0 }
            return (String(decoding: name, as: UTF8.self), number)
        }.sorted { $0.number < $1.number }
    }

    /// The first match's groups (index 0 the whole match, nil for a group that took no part), or nil when
    /// the pattern does not match.
    public func firstMatch(in text: String) throws(LimitExceeded) -> [Substring?]? {
        let utf8 = text.utf8
        let offsets: [Range<Int>?]? = try withMatch(text) { result, ovector throws(LimitExceeded) in
            guard result > 0, let ovector else { return nil }
            let unset = muelle_pcre2_unset()
            return (0...captureCount).map { group in
                let start = ovector[2 * group], end = ovector[2 * group + 1]
                return group < Int(result) && start != unset && end != unset ? start..<end : nil
            }
        }
        return offsets?.map { range in
            range.map { text[utf8.index(utf8.startIndex, offsetBy: $0.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: $0.upperBound)] }
        }
    }

    public func matches(_ text: String) throws(LimitExceeded) -> Bool {
        try withMatch(text) { result, _ in result > 0 }
    }

    /// Every match replaced by `template`: `$1`…`$9` (and `${12}`) for groups, `$0` for the whole match,
    /// `\` before a character to take it literally (NSRegularExpression's template syntax).
    public func replacingMatches(in text: String, with template: Template) throws(LimitExceeded) -> String {
        var subject = text
        let replacement = Array(template.pcre2.utf8)
        let (context, data) = try matchState()
        defer {
            muelle_pcre2_match_data_free(data)
            muelle_pcre2_match_context_free(context)
        }
        let options = UInt32(PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH | PCRE2_NO_UTF_CHECK)
        var capacity = subject.utf8.count * 2 + replacement.count + 64
        while true {
            var output = [UInt8](repeating: 0, count: capacity)
            var length = capacity
            let result = subject.withUTF8 { text in
                replacement.withUnsafeBufferPointer { replacement in
                    output.withUnsafeMutableBufferPointer { output in
                        Self.address(text) { subject in
                            Self.address(replacement) { replacementBytes in
                                muelle_pcre2_substitute(code, subject, text.count, options, data, context,
                                                        replacementBytes, replacement.count, output.baseAddress, &length)
                            }
                        }
                    }
                }
            }
            if result == PCRE2_ERROR_NOMEMORY, length > capacity {
                capacity = length
                continue
            }
            try check(result)
            // Only limits can fail here: the template was checked against the pattern at load.
            guard result >= 0 else { return text }
            return String(decoding: output.prefix(length), as: UTF8.self)
        }
    }

    /// A replacement template (`with:`), checked against the pattern's groups at load.
    public struct Template: Sendable, Equatable {
        /// The same text in `pcre2_substitute`'s syntax.
        let pcre2: String
        /// The highest group the template refers to.
        public let highestGroup: Int

        /// NSRegularExpression's syntax, which mappings were written in: `$` and digits name a group, a
        /// backslash makes the next character literal, any other `$` is itself.
        public init(_ template: String) {
            var out = ""
            var highest = 0
            var characters = Array(template)[...]
            while let c = characters.popFirst() {
                switch c {
                case "\\":
                    let next = characters.popFirst() ?? "\\"
                    out += next == "$" ? "$$" : String(next)
                case "$" where characters.first?.isASCII == true && characters.first?.isNumber == true:
                    var digits = ""
                    while let d = characters.first, d.isASCII, d.isNumber { digits.append(d); characters.removeFirst() }
                    let group = Int(digits) ?? Int.max
                    highest = max(highest, group)
                    out += "${\(digits)}"
                case "$":
                    out += "$$"
                default:
                    out.append(c)
                }
            }
            pcre2 = out
            highestGroup = highest
        }
    }

    // MARK: - PCRE2

    /// `buffer`'s address; PCRE2 before 10.43 refuses a null one even for an empty subject or pattern.
    private static func address<T>(_ buffer: UnsafeBufferPointer<UInt8>, _ body: (UnsafePointer<UInt8>) -> T) -> T {
        if let base = buffer.baseAddress { return body(base) }
        let zero: UInt8 = 0
        return withUnsafePointer(to: zero) { body($0) }
    }

    /// Runs one match of `text` with fresh match data and limits, and hands its result to `body`.
    private func withMatch<T>(_ text: String, _ body: (Int32, UnsafeMutablePointer<Int>?) throws(LimitExceeded) -> T) throws(LimitExceeded) -> T {
        var subject = text
        let (context, data) = try matchState()
        defer {
            muelle_pcre2_match_data_free(data)
            muelle_pcre2_match_context_free(context)
        }
        // Swift strings are valid UTF-8: PCRE2 need not check it again on every match.
        let result = subject.withUTF8 { bytes in
            Self.address(bytes) { muelle_pcre2_match(code, $0, bytes.count, UInt32(PCRE2_NO_UTF_CHECK), data, context) }
        }
        try check(result)
        return try body(result, muelle_pcre2_ovector(data))
    }

    /// A match context carrying the limits, and match data for one call. Without a context PCRE2 would run
    /// unlimited, so a failed allocation fails the match.
    private func matchState() throws(LimitExceeded) -> (OpaquePointer, OpaquePointer) {
        let context = muelle_pcre2_match_context_create(limits.steps, limits.depth, limits.heapKiB)
        let data = muelle_pcre2_match_data_create(code)
        guard let context, let data else {
            muelle_pcre2_match_data_free(data)
            muelle_pcre2_match_context_free(context)
            throw LimitExceeded(limit: "memory", limits: limits)
        }
        return (context, data)
    }

    private func check(_ result: Int32) throws(LimitExceeded) {
        switch result {
        case PCRE2_ERROR_MATCHLIMIT: throw LimitExceeded(limit: "steps", limits: limits)
        case PCRE2_ERROR_DEPTHLIMIT: throw LimitExceeded(limit: "depth", limits: limits)
        // Also a match context or match data that could not be allocated: no memory either way.
        case PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_NOMEMORY: throw LimitExceeded(limit: "memory", limits: limits)
        default: return
        }
    }

    private static func message(for error: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { muelle_pcre2_error_message(error, $0.baseAddress, $0.count) }
        return length > 0 ? String(decoding: buffer.prefix(Int(length)), as: UTF8.self) : "error \(error)"
    }
}

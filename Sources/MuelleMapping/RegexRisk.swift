/// Finds, from the text of a pattern alone, the two shapes behind nearly every regular expression that
/// backtracks exponentially, so `muelle check` can refuse them before any value meets them:
///
/// 1. **A repeat inside a repeat** with nothing required between: a group repeated without bound (`*`, `+`,
///    `{n,}`) whose body, in some alternative, is only repeats and optional parts with at least one repeat:
///    `(a+)+`, `(a*)*`, `(\w+\s?)*`, `(?:x+|y)+`. A body with a required part, such as `(\d+\.)*` or
///    `(\s*,\s*)+`, is not flagged: the required part fixes where each repetition ends.
/// 2. **Alternatives that are repeats of each other** in a group repeated without bound: `(a|a)*`,
///    `(a|aa)+`, `(ab|abab)*` (compared as written).
///
/// Possessive repeats (`a++`) and atomic groups (`(?>…)`) never backtrack into themselves and are not
/// flagged. It cannot see overlaps that need the meaning of classes (`(\w|a)*`): those are left to the
/// match limits of `BoundedRegex`.
struct RegexRisk {
    /// Why the pattern is refused, naming the part: nil when neither shape is found.
    static func problem(in pattern: String) -> String? {
        var scanner = RegexRisk(Array(pattern))
        return scanner.scan()
    }

    private let characters: [Character]
    private var index = 0

    private init(_ characters: [Character]) { self.characters = characters }

    /// What one group or the whole pattern is made of, alternative by alternative.
    private struct Body {
        var start: Int
        var atomic = false
        /// Every alternative so far: its text, whether it has a backtracking repeat, whether all its parts may repeat or be left out.
        var alternatives: [Alternative] = [Alternative()]
        var current: Alternative {
            get { alternatives[alternatives.count - 1] }
            set { alternatives[alternatives.count - 1] = newValue }
        }
    }

    private struct Alternative {
        var text = ""
        var hasRepeat = false
        var onlyLoose = true
    }

    /// One item just read (a character, class, escape or group) and what it is made of.
    private struct Atom {
        var text: String
        /// A group whose body could match one stretch in several ways when repeated (shape 1 inside it).
        var looseRepeat = false
    }

    private mutating func scan() -> String? {
        var stack: [Body] = [Body(start: 0)]
        while index < characters.count {
            let c = characters[index]
            var atom: Atom
            switch c {
            case "\\":
                atom = Atom(text: escape())
            case "[":
                atom = Atom(text: characterClass())
            case "(":
                var body = Body(start: index)
                index += 1
                switch groupKind() {
                case .none: continue
                case .atomic: body.atomic = true
                case .ordinary: break
                }
                stack.append(body)
                continue
            case ")":
                guard stack.count > 1, let body = stack.popLast() else { index += 1; continue }
                index += 1
                let text = String(characters[body.start..<index])
                let loose = !body.atomic && body.alternatives.contains { $0.hasRepeat && $0.onlyLoose }
                atom = Atom(text: text, looseRepeat: loose)
                if let repeatsOfEachOther = repeatedAlternatives(body), !body.atomic {
                    let quantifier = readQuantifier()
                    if quantifier.unbounded, !quantifier.possessive {
                        return "\(text)\(quantifier.text) repeats alternatives that match the same text (\(repeatsOfEachOther)): it can try exponentially many ways on a value that does not match"
                    }
                    add(atom, quantifier, to: &stack)
                    continue
                }
            case "|":
                index += 1
                stack[stack.count - 1].alternatives.append(Alternative())
                continue
            default:
                index += 1
                atom = Atom(text: String(c))
            }
            let quantifier = readQuantifier()
            if atom.looseRepeat, quantifier.unbounded, !quantifier.possessive {
                return "\(atom.text)\(quantifier.text) repeats a group that itself repeats with nothing required in between: it can try exponentially many ways on a value that does not match"
            }
            add(atom, quantifier, to: &stack)
        }
        return nil
    }

    private func add(_ atom: Atom, _ quantifier: Quantifier, to stack: inout [Body]) {
        var alternative = stack[stack.count - 1].current
        alternative.text += atom.text + quantifier.text
        let repeats = quantifier.maximum.map { $0 > 1 } ?? true
        if quantifier.present, repeats, !quantifier.possessive { alternative.hasRepeat = true }
        if atom.looseRepeat { alternative.hasRepeat = true }
        let loose = atom.looseRepeat || (quantifier.present && (quantifier.minimum == 0 || repeats))
        if !loose { alternative.onlyLoose = false }
        stack[stack.count - 1].current = alternative
    }

    /// Two alternatives of which one is the other written one or more times (`a|a`, `a|aa`).
    private func repeatedAlternatives(_ body: Body) -> String? {
        let texts = body.alternatives.map(\.text).filter { !$0.isEmpty }
        for (i, shorter) in texts.enumerated() {
            for (j, longer) in texts.enumerated() where i != j && longer.count >= shorter.count {
                guard longer.count % shorter.count == 0, i < j || longer.count > shorter.count else { continue }
                if String(repeating: shorter, count: longer.count / shorter.count) == longer { return "\(shorter) and \(longer)" }
            }
        }
        return nil
    }

    private struct Quantifier {
        var text = ""
        var minimum = 1
        /// nil: unbounded.
        var maximum: Int? = 1
        var possessive = false
        var present: Bool { !text.isEmpty }
        var unbounded: Bool { present && maximum == nil }
    }

    private mutating func readQuantifier() -> Quantifier {
        guard index < characters.count else { return Quantifier() }
        var quantifier = Quantifier()
        let start = index
        switch characters[index] {
        case "*": quantifier.minimum = 0; quantifier.maximum = nil; index += 1
        case "+": quantifier.maximum = nil; index += 1
        case "?": quantifier.minimum = 0; index += 1
        case "{":
            guard let close = characters[index...].firstIndex(of: "}") else { return Quantifier() }
            let inside = String(characters[(index + 1)..<close])
            let parts = inside.split(separator: ",", omittingEmptySubsequences: false).map { $0.filter { $0 != " " } }
            guard (1...2).contains(parts.count), let low = Int(parts[0].isEmpty ? "0" : parts[0]) else { return Quantifier() }
            quantifier.minimum = low
            quantifier.maximum = parts.count == 1 ? low : (parts[1].isEmpty ? nil : Int(parts[1]))
            if parts.count == 2, !parts[1].isEmpty, Int(parts[1]) == nil { return Quantifier() }
            index = close + 1
        default:
            return Quantifier()
        }
        if index < characters.count, characters[index] == "+" { quantifier.possessive = true; index += 1 }
        else if index < characters.count, characters[index] == "?" { index += 1 }
        quantifier.text = String(characters[start..<index])
        return quantifier
    }

    private mutating func escape() -> String {
        let start = index
        index += 1
        guard index < characters.count else { return "\\" }
        let letter = characters[index]
        index += 1
        if letter == "Q" {
            // \Q…\E: literal text.
            while index < characters.count, !(characters[index] == "\\" && index + 1 < characters.count && characters[index + 1] == "E") { index += 1 }
            index = min(index + 2, characters.count)
        } else if "pPxgkN".contains(letter), index < characters.count, "{<'".contains(characters[index]) {
            let close: Character = characters[index] == "{" ? "}" : characters[index] == "<" ? ">" : "'"
            index = (characters[index...].firstIndex(of: close) ?? characters.count - 1) + 1
        }
        return String(characters[start..<index])
    }

    private mutating func characterClass() -> String {
        let start = index
        index += 1
        if index < characters.count, characters[index] == "^" { index += 1 }
        if index < characters.count, characters[index] == "]" { index += 1 }
        while index < characters.count, characters[index] != "]" {
            if characters[index] == "\\" { index += 1 }
            else if characters[index] == "[", index + 1 < characters.count, characters[index + 1] == ":" {
                index = (characters[(index + 2)...].firstIndex(of: "]") ?? characters.count - 1)
            }
            index += 1
        }
        index = min(index + 1, characters.count)
        return String(characters[start..<index])
    }

    private enum GroupKind { case ordinary, atomic, none }

    /// Reads what follows an opening parenthesis up to the group's body: `?:`, `?>`, `?=`, `?<name>`, `?i:`…
    /// A comment `(?#…)` or an option setting `(?i)` is no group at all: read whole, `.none`.
    private mutating func groupKind() -> GroupKind {
        guard index < characters.count, characters[index] == "?" else { return .ordinary }
        index += 1
        guard index < characters.count else { return .ordinary }
        let c = characters[index]
        switch c {
        case "#":
            index = (characters[index...].firstIndex(of: ")") ?? characters.count - 1) + 1
            return .none
        case ">":
            index += 1
            return .atomic
        case ":", "=", "!", "|":
            index += 1
        case "<" where index + 1 < characters.count && "=!".contains(characters[index + 1]):
            index += 2
        case "<", "'", "P":
            let close: Character = c == "'" ? "'" : ">"
            index = (characters[index...].dropFirst().firstIndex(of: close) ?? characters.count - 1) + 1
        default:
            while index < characters.count, characters[index].isLetter || "-^".contains(characters[index]) { index += 1 }
            if index < characters.count, characters[index] == ")" { index += 1; return .none }
            if index < characters.count, characters[index] == ":" { index += 1 }
        }
        return .ordinary
    }
}

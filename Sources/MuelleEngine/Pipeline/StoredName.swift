/// The name an original gets in `archive/` or `quarantine/`: a prefix that keeps it apart from other files
/// of the same name (`<sha12>-`, `<id>-`), then the name the partner gave it — shortened when the two
/// together would not fit in one directory entry. The full name stays in the ledger and the report.
enum StoredName {
    /// NAME_MAX of Linux file systems (ext4, xfs, btrfs, tmpfs), in bytes.
    static let maximumBytes = 255
    /// What a shortened name carries where its middle was left out.
    static let marker = "…"

    /// `prefix + name`, within `maximumBytes - reserve` bytes (`reserve`: what is appended later, such as
    /// the 10 bytes of `.error.txt` beside a quarantined file).
    static func fitting(prefix: String, name: String, reserve: Int = 0) -> String {
        let budget = maximumBytes - reserve - prefix.utf8.count
        guard name.utf8.count > budget else { return prefix + name }
        return prefix + shortened(name, toBytes: budget)
    }

    /// The start of `name` and its extension (what people and tools open it by), joined by `marker`,
    /// within `budget` bytes. Cut between characters, never inside one: the result is valid UTF-8.
    static func shortened(_ name: String, toBytes budget: Int) -> String {
        var suffix = marker
        // An extension is short by nature; a "." far from the end is part of the name.
        if let dot = name.lastIndex(of: "."), dot != name.startIndex, name[dot...].utf8.count <= 16 {
            suffix += name[dot...]
        }
        let room = max(0, budget - suffix.utf8.count)
        var start = ""
        var used = 0
        for character in name {
            let bytes = character.utf8.count
            if used + bytes > room { break }
            start.append(character)
            used += bytes
        }
        return start + suffix
    }
}

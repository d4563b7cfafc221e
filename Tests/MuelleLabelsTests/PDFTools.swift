import Foundation
import Testing

/// Runs poppler-utils (pdfinfo, pdftotext, pdftoppm) and zbar-tools (zbarimg) on rendered PDFs.
/// A missing tool fails the test: CI installs them (README's test command).
enum PDFTools {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Output {
        let candidates = ["/usr/bin/" + tool, "/usr/local/bin/" + tool]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("\(tool) is not installed: apt-get install -y poppler-utils zbar-tools")
            throw ToolMissing(tool: tool)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        // stderr goes to a file, so a tool writing much to both streams can never block on a full pipe.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-tool-\(UUID().uuidString).err").path
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = FileManager.default.contents(atPath: errorPath) ?? Data()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    struct ToolMissing: Error { var tool: String }

    /// `pdfinfo -f 1 -l N`: the page count and each page's size in points.
    static func pages(of pdf: String) throws -> (count: Int, sizes: [(width: Double, height: Double)]) {
        let summary = try run("pdfinfo", [pdf])
        let count = summary.stdout.split(separator: "\n").first { $0.hasPrefix("Pages:") }
            .flatMap { Int($0.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let detail = try run("pdfinfo", ["-f", "1", "-l", String(max(count, 1)), pdf])
        // "Page    1 size: 283.465 x 425.197 pts"
        let sizes: [(Double, Double)] = detail.stdout.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("Page"), line.contains(" size: ") else { return nil }
            let words = line.split(separator: " ")
            guard let index = words.firstIndex(of: "size:"), index + 3 < words.count,
                  let width = Double(words[index + 1]), let height = Double(words[index + 3]) else { return nil }
            return (width, height)
        }
        return (count, sizes)
    }

    /// The text of one page (1-based), or of the whole document.
    static func text(of pdf: String, page: Int? = nil) throws -> String {
        var arguments = ["-enc", "UTF-8"]
        if let page { arguments += ["-f", String(page), "-l", String(page)] }
        return try run("pdftotext", arguments + [pdf, "-"]).stdout
    }

    /// Renders every page at 203 dpi (a thermal printer's resolution) and decodes each page's barcodes.
    /// Returns, per page, the decoded symbols as "TYPE:data" (zbarimg's own format).
    static func decodeBarcodes(of pdf: String, in folder: String) throws -> [[String]] {
        let prefix = folder + "/page"
        let render = try run("pdftoppm", ["-r", "203", "-png", pdf, prefix])
        #expect(render.status == 0, "pdftoppm: \(render.stderr)")
        let images = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("page") && $0.hasSuffix(".png") }.sorted()
        return try images.map { image in
            let decoded = try run("zbarimg", ["-q", folder + "/" + image])
            return decoded.stdout.split(separator: "\n").map(String.init)
        }
    }

    /// Every word's box on every page (`pdftotext -bbox`): (page, xMin, yMin, xMax, yMax, word).
    static func wordBoxes(of pdf: String) throws -> [(page: Int, xMin: Double, yMin: Double, xMax: Double, yMax: Double, word: String)] {
        let html = try run("pdftotext", ["-bbox", "-enc", "UTF-8", pdf, "-"]).stdout
        var boxes: [(Int, Double, Double, Double, Double, String)] = []
        var page = 0
        for line in html.split(separator: "\n") {
            if line.contains("<page ") { page += 1; continue }
            guard line.contains("<word ") else { continue }
            func attribute(_ name: String) -> Double? {
                guard let start = line.range(of: name + "=\"") else { return nil }
                let rest = line[start.upperBound...]
                return rest.firstIndex(of: "\"").flatMap { Double(rest[..<$0]) }
            }
            let word = line.split(separator: ">", maxSplits: 1).last?.split(separator: "<").first.map(String.init) ?? ""
            if let xMin = attribute("xMin"), let yMin = attribute("yMin"), let xMax = attribute("xMax"), let yMax = attribute("yMax") {
                boxes.append((page, xMin, yMin, xMax, yMax, word))
            }
        }
        return boxes
    }

    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("muelle-labels-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

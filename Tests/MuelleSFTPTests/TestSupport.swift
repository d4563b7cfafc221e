import Foundation
import Glibc
import Synchronization

/// A fresh folder under the temporary folder (mode 0755, so the sshd's test accounts can pass through),
/// removed when the test is done with it.
final class TemporaryFolder: Sendable {
    let path: String

    init(prefix: String = "muelle-sftp") throws {
        path = FileManager.default.temporaryDirectory.path + "/\(prefix)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        Leftovers.track(path: path)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
        Leftovers.untrack(path: path)
    }

    func child(_ relative: String) -> String { path + "/" + relative }
}

/// What the tests leave running or lying around when the test process ends — a server still held by a
/// thread's closure, a folder not yet released — is removed at exit, so no sshd outlives the test run.
enum Leftovers {
    private struct State {
        var processes: Set<pid_t> = []
        var paths: Set<String> = []
    }

    private static let state = Mutex(State())
    private static let installed: Bool = {
        atexit { Leftovers.removeAll() }
        return true
    }()

    static func track(process: pid_t) {
        _ = installed
        _ = state.withLock { $0.processes.insert(process) }
    }

    static func untrack(process: pid_t) {
        _ = state.withLock { $0.processes.remove(process) }
    }

    static func track(path: String) {
        _ = installed
        _ = state.withLock { $0.paths.insert(path) }
    }

    static func untrack(path: String) {
        _ = state.withLock { $0.paths.remove(path) }
    }

    private static func removeAll() {
        let left = state.withLock { $0 }
        for process in left.processes {
            let below = descendants(of: process)
            kill(process, SIGKILL)
            for child in below { kill(child, SIGKILL) }
            var status: Int32 = 0
            _ = waitpid(process, &status, 0)
        }
        for path in left.paths { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// Every process below `pid`, from the parent field of /proc/<pid>/stat.
func descendants(of pid: pid_t) -> [pid_t] {
    var children: [pid_t: [pid_t]] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let child = pid_t(entry),
              let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")")
        else { continue }
        // After "pid (name) " come the state and then the parent's pid.
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        if fields.count > 1, let parent = pid_t(fields[1]) { children[parent, default: []].append(child) }
    }
    var found: [pid_t] = []
    var queue = children[pid] ?? []
    while let next = queue.popLast() {
        found.append(next)
        queue += children[next] ?? []
    }
    return found
}

/// Runs blocking work (a child process, a large file) on a thread of its own, so that the cooperative
/// pool (two threads on a two-core machine) stays free for the code under test.
@discardableResult
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try work() })
        }
        thread.start()
    }
}

/// Writes `size` bytes of a deterministic, incompressible pattern chosen by `seed`.
func makeFile(_ path: String, size: Int, seed: UInt64 = 1) throws {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    var remaining = size
    while remaining > 0 {
        let count = min(remaining, 1 << 20)
        var chunk = [UInt8](repeating: 0, count: count)
        chunk.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices {
                // xorshift64: fast and good enough to defeat compression and catch misplaced blocks.
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                words[index] = state
            }
        }
        try handle.write(contentsOf: chunk)
        remaining -= count
    }
}

func write(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func contents(_ path: String) -> Data? {
    FileManager.default.contents(atPath: path)
}

func sameBytes(_ first: String, _ second: String) -> Bool {
    guard let one = contents(first), let two = contents(second) else { return false }
    return one == two
}

func names(in folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}

func fileSize(_ path: String) -> Int64? {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    return Int64(status.st_size)
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(within timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Calls `look` over and over on a thread of its own until stopped: an observer that races the code under
/// test (a reader polling an inbox, a partner watching its folder).
final class Watcher: Sendable {
    private final class State: Sendable {
        let stopped = Atomic<Bool>(false)
        let done = Atomic<Bool>(false)
        let rounds = Atomic<Int>(0)
    }

    private let state = State()

    init(every pause: Duration = .milliseconds(1), _ look: @escaping @Sendable () -> Void) {
        let thread = Thread { [state] in
            while !state.stopped.load(ordering: .acquiring) {
                look()
                state.rounds.add(1, ordering: .relaxed)
                Thread.sleep(forTimeInterval: pause.timeInterval)
            }
            state.done.store(true, ordering: .releasing)
        }
        thread.start()
    }

    /// How many times `look` ran.
    var count: Int { state.rounds.load(ordering: .relaxed) }

    func stop() async {
        state.stopped.store(true, ordering: .releasing)
        _ = await eventually { state.done.load(ordering: .acquiring) }
    }
}

/// A value shared between a watcher thread and the test.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func update(_ change: (inout Value) -> Void) {
        value.withLock { change(&$0) }
    }

    var current: Value { value.withLock { $0 } }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) * 1e-18
    }
}

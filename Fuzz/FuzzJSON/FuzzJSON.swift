import CFuzzDriver
import FuzzTargets

/// The entry point SwiftPM links as `main`: hands the command line to libFuzzer, which calls
/// `FuzzTargets.json` for every input it generates. A finding traps, so libFuzzer saves the input.
@_cdecl("FuzzJSON_main")
public func fuzzJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        do {
            try FuzzTargets.json(UnsafeBufferPointer(start: data, count: size))
        } catch {
            fatalError("\(error)")
        }
        return 0
    }
}

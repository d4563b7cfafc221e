import CFuzzDriver
import FuzzTargets

/// The entry point SwiftPM links as `main`: hands the command line to libFuzzer, which calls
/// `FuzzTargets.csv` for every input it generates. A finding traps, so libFuzzer saves the input.
@_cdecl("FuzzCSV_main")
public func fuzzCSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        do {
            try FuzzTargets.csv(UnsafeBufferPointer(start: data, count: size))
        } catch {
            fatalError("\(error)")
        }
        return 0
    }
}

import CFuzzDriver
import FuzzTargets

/// The entry point SwiftPM links as `main`: hands the command line to libFuzzer, which calls
/// `FuzzTargets.xml` for every input it generates. A finding traps, so libFuzzer saves the input.
@_cdecl("FuzzXML_main")
public func fuzzXMLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        do {
            try FuzzTargets.xml(UnsafeBufferPointer(start: data, count: size))
        } catch {
            fatalError("\(error)")
        }
        return 0
    }
}

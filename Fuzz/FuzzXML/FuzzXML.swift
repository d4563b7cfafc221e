import FuzzTargets

/// libFuzzer's entry point for `FuzzTargets.xml`: a finding traps, so libFuzzer saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzTargets.xml(UnsafeBufferPointer(start: data, count: size))
    } catch {
        fatalError("\(error)")
    }
    return 0
}

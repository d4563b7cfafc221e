import FuzzTargets

/// libFuzzer's entry point for `FuzzTargets.json`: a finding traps, so libFuzzer saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzTargets.json(UnsafeBufferPointer(start: data, count: size))
    } catch {
        fatalError("\(error)")
    }
    return 0
}

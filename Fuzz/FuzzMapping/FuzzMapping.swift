import FuzzTargets

/// libFuzzer's entry point for `FuzzTargets.mapping`: a finding traps, so libFuzzer saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMapping(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzTargets.mapping(UnsafeBufferPointer(start: data, count: size))
    } catch {
        fatalError("\(error)")
    }
    return 0
}

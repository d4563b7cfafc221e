import FuzzTargets

/// libFuzzer's entry point for `FuzzTargets.csv`: a finding traps, so libFuzzer saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try FuzzTargets.csv(UnsafeBufferPointer(start: data, count: size))
    } catch {
        fatalError("\(error)")
    }
    return 0
}

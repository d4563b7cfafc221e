import Yams

/// `extends:`: a second store's mapping is its base with a few sections laid over it.
enum MappingMerge {
    /// Keys of `overlay` replace those of `base`; plain nested objects (`route:`, `customer:`) merge key
    /// by key, while expressions (a mapping with a function key) and lists replace whole.
    static func overlay(_ overlay: Node, on base: Node) -> Node {
        guard let overlayPairs = overlay.stringKeyedPairs, let basePairs = base.stringKeyedPairs,
              !isExpression(overlayPairs), !isExpression(basePairs) else { return overlay }
        var merged: [(Node, Node)] = basePairs.map { ($0.keyNode, $0.value) }
        for pair in overlayPairs {
            if let i = basePairs.firstIndex(where: { $0.key == pair.key }) {
                merged[i] = (merged[i].0, Self.overlay(pair.value, on: merged[i].1))
            } else {
                merged.append((pair.keyNode, pair.value))
            }
        }
        return Node(merged, overlay.tag)
    }

    private static func isExpression(_ pairs: [(key: String, keyNode: Node, value: Node)]) -> Bool {
        pairs.contains { ExpressionCompiler.functionNames.contains($0.key) }
    }
}

extension Node {
    func removingMember(_ key: String) -> Node {
        guard let pairs = stringKeyedPairs else { return self }
        return Node(pairs.filter { $0.key != key }.map { ($0.keyNode, $0.value) }, tag)
    }
}

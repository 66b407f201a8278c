// ByteMutation: the seeded mutation step of the fuzz loops (insert a byte from an alphabet,
// delete one, or truncate), so every reader's fuzz test mutates the same way.

import FactoryTensor

public enum ByteMutation {
    /// Applies 1 to 4 random edits to `bytes`: insert a byte of `alphabet`, delete a byte,
    /// or cut the rest off.
    public static func mutate(_ bytes: inout [UInt8], alphabet: [UInt8], using generator: inout SeededGenerator) {
        for _ in 0..<(1 + Int(generator.next() % 4)) {
            let position = Int(generator.next() % UInt64(bytes.count + 1))
            switch generator.next() % 3 {
            case 0: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
            case 1: if position < bytes.count { bytes.remove(at: position) }
            default: bytes = Array(bytes[..<position])
            }
        }
    }
}

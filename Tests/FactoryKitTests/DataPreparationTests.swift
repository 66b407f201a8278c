// The core's data preparation: stratified seeded splits, deduplication (exact and after
// normalisation), per-epoch batch orders and padded sequences.

import FactoryKit
import Testing

@Suite struct DataPreparationTests {
    @Test func stratifiedSplitKeepsProportionsAndIsSeeded() {
        let strata: [Int?] = (0..<300).map { $0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 1 : 2) } + Array(repeating: 3, count: 5)
        let split = DataSplitter.split(strata: strata, seed: 1)
        #expect(Set(split.train + split.validation + split.test) == Set(0..<305))
        #expect(split.train.count + split.validation.count + split.test.count == 305)
        for label in 0..<3 {
            #expect(split.validation.filter { strata[$0] == label }.count == 10)
            #expect(split.test.filter { strata[$0] == label }.count == 10)
        }
        // A class of 5 still reaches validation and test.
        #expect(split.validation.contains { strata[$0] == 3 } && split.test.contains { strata[$0] == 3 })
        #expect(DataSplitter.split(strata: strata, seed: 1) == split)
        #expect(DataSplitter.split(strata: strata, seed: 2) != split)
    }

    @Test func deduplicationCountsExactAndNormalised() {
        let result = Deduplication.deduplicate(keys: ["Great movie!", "great movie", "Great movie!", nil, nil, "Other"])
        #expect(result.kept == [0, 3, 4, 5])
        #expect(result.exactDuplicates == 1)
        #expect(result.normalizedDuplicates == 1)
        #expect(Deduplication.normalized("  It's  GREAT!! ") == "its great")
    }

    @Test func batchOrderIsAPermutationPerEpochAndReproducible() {
        let epoch0 = BatchOrder.batches(count: 10, batchSize: 4, shuffle: true, seed: 3, epoch: 0)
        #expect(epoch0.map(\.count) == [4, 4, 2])
        #expect(epoch0.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(BatchOrder.batches(count: 10, batchSize: 4, shuffle: true, seed: 3, epoch: 0) == epoch0)
        #expect(BatchOrder.batches(count: 10, batchSize: 4, shuffle: true, seed: 3, epoch: 1) != epoch0)
        #expect(BatchOrder.batches(count: 5, batchSize: 2, shuffle: false, seed: 3, epoch: 0) == [[0, 1], [2, 3], [4]])
    }

    @Test func paddedSequencesPadAndTruncateKeepingTheLastToken() {
        let padded = PaddedSequences([[101, 5, 102], [101, 7, 8, 9, 10, 102]], padID: 0, maximumLength: 4)
        #expect(padded.length == 4)
        #expect(padded.ids == [101, 5, 102, 0, 101, 7, 8, 102])
        #expect(padded.mask == [1, 1, 1, 0, 1, 1, 1, 1])
    }
}

// The registry of benchmark workloads that `factory bench` knows. Model workloads (MiniLM,
// EfficientNet, GE2E) register here beside the kernel workloads.

/// Every workload `factory bench` can run, in BENCHMARKS.md order.
public enum BenchmarkCatalog {
    public static let workloads: [BenchmarkWorkload] = [
        MiniLMWorkloads.train,
        MiniLMWorkloads.infer,
        EfficientNetWorkloads.train,
        EfficientNetWorkloads.frozen,
        EfficientNetWorkloads.infer,
        SpeakerEncoderWorkloads.train,
        SpeakerEncoderWorkloads.infer,
        KernelWorkloads.gemm1024,
        PeakWorkload.workload,
        KernelWorkloads.copy16M,
        KernelWorkloads.add16M,
        KernelWorkloads.exp16M,
        KernelWorkloads.gelu16M,
        KernelWorkloads.sum16M,
        KernelWorkloads.smallOperations,
        OptimizerWorkloads.adamWMiniLM,
        DefectDetectionWorkloads.fit,
        DefectDetectionWorkloads.score,
    ]

    /// The workload named `name`, if any.
    public static func workload(named name: String) -> BenchmarkWorkload? {
        workloads.first { $0.name == name }
    }
}

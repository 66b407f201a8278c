// DefectDetectionPlugin: industrial defect detection (PatchCore on EfficientNet-Lite0
// features, with an optional supervised head). (Being built: issue 8.)

// ImageClassificationPlugin: classify images into the classes of a folder tree or a manifest,
// with EfficientNet-Lite0 and a new head. (Being built: issue 8.)

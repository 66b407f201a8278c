// Tests of the image classification plugin (being built: issue 8).

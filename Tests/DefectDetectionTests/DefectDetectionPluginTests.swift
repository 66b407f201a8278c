// Tests of the defect detection plugin (being built: issue 8).

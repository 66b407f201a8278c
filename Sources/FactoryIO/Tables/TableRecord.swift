// TableRecord and TableColumns: one row of a CSV/TSV file with its line number, and the
// header's column names with lookup by name. A missing name is a TableError that lists
// the columns the file does have. It is NOT a data frame: no types, no conversion.

/// The columns of a delimited file, from its header row (or numbered "column1"… without one).
public struct TableColumns: Sendable, Equatable {
    /// The column names, in file order.
    public let names: [String]
    /// The file, for error messages.
    public let file: String
    private let indexByName: [String: Int]

    /// Makes the columns; throws when a name occurs twice.
    init(names: [String], file: String) throws(TableError) {
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() {
            guard index[name] == nil else { throw .duplicateColumn(file: file, name: name) }
            index[name] = position
        }
        self.names = names
        self.file = file
        self.indexByName = index
    }

    /// The number of columns.
    public var count: Int { names.count }

    /// The position of the column called `name`.
    /// - Throws: ``TableError/missingColumn(file:name:available:)`` listing the columns.
    public func index(of name: String) throws(TableError) -> Int {
        guard let position = indexByName[name] else { throw .missingColumn(file: file, name: name, available: names) }
        return position
    }

    /// Whether a column called `name` exists.
    public func contains(_ name: String) -> Bool { indexByName[name] != nil }
}

/// One record (row) of a CSV or TSV file.
public struct TableRecord: Sendable, Equatable {
    /// The line where the record starts (1-based; a quoted field may span lines).
    public let line: Int
    /// The cells, one per column.
    public let values: [String]
    /// The file's columns.
    public let columns: TableColumns

    /// The cell at a column position.
    public subscript(index: Int) -> String { values[index] }

    /// The cell of the column called `name`.
    /// - Throws: ``TableError/missingColumn(file:name:available:)`` listing the columns.
    public func value(named name: String) throws(TableError) -> String {
        values[try columns.index(of: name)]
    }
}

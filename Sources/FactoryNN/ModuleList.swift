// ModuleList: an ordered list of submodules keyed `0`, `1`, ... as PyTorch's `nn.ModuleList`
// (BERT's `encoder.layer.3`). It only holds and names its elements; it has no forward pass.
// Not here: Sequential composition (call the elements in a loop) or dictionaries of modules.

/// An ordered list of modules whose keys are their positions: `layer.0`, `layer.1`, ...
public final class ModuleList<Element: Module>: Module, RandomAccessCollection {
    /// The modules, in key order.
    public let modules: [Element]

    /// Creates a list of `modules`; element `i` gets the key `"i"`.
    public init(_ modules: [Element]) {
        self.modules = modules
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        modules.enumerated().map { (String($0.offset), $0.element as Module) }
    }

    /// The position of the first module.
    public var startIndex: Int { modules.startIndex }
    /// One past the position of the last module.
    public var endIndex: Int { modules.endIndex }
    /// The module at `position` (key `"\(position)"`).
    public subscript(position: Int) -> Element { modules[position] }
}

# The BENCHMARKS.md model workloads in PyTorch, for comparing `factory bench` with PyTorch on
# the same machine in the same session (BENCHMARKS.md's reference figures come from another
# machine). One JSON line per workload, as `factory bench` prints: the median samples/s of 5
# timed rounds after 2 warm-up rounds, plus every round's seconds. The same shapes, seeds
# aside, and the same real weights, read from factory's model store (FACTORY_MODELS: the
# folder holding minilm-l6/, efficientnet-lite0/ and ge2e/). Run by compare.sh, which
# installs PyTorch into a virtual environment. A development tool: factory never runs Python.
#   python reference.py [THREADS] [WORKLOAD ...]
import json, os, statistics, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2
torch.set_num_threads(THREADS)
MODELS = os.environ.get("FACTORY_MODELS", os.path.expanduser("~/.cache/factory/models"))

def run(name, samples, step):
    for _ in range(2): step()
    times = []
    for _ in range(5):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    print(json.dumps({"workload": name, "engine": f"torch-{torch.__version__}", "threads": THREADS,
                      "samples_per_s": round(samples / statistics.median(times), 2),
                      "round_seconds": [round(t, 4) for t in times]}), flush=True)

def gemm():
    a = torch.randn(1024, 1024); b = torch.randn(1024, 1024); c = torch.empty(1024, 1024)
    def step(): torch.mm(a, b, out=c)
    for _ in range(3): step()
    times = []
    for _ in range(9):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    g = 2 * 1024**3 / statistics.median(times) / 1e9
    print(json.dumps({"workload": "gemm-1024", "engine": f"torch-{torch.__version__}", "threads": THREADS,
                      "gflops": round(g, 1)}), flush=True)

# --- MiniLM ---
def minilm(train):
    from transformers import BertModel
    torch.manual_seed(17)
    model = BertModel.from_pretrained(f"{MODELS}/minilm-l6", add_pooling_layer=False)   # (its pooler is unused)
    head = nn.Linear(384, 2)
    ids = torch.randint(0, model.config.vocab_size, (16, 128)); mask = torch.ones(16, 128, dtype=torch.long)
    labels = torch.randint(0, 2, (16,))
    if train:
        model.train(); opt = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=2e-5)
        def step():
            opt.zero_grad()
            logits = head(model(input_ids=ids, attention_mask=mask).last_hidden_state[:, 0])
            F.cross_entropy(logits, labels).backward(); opt.step()
        run("minilm-train-b16-s128", 16, step)
    else:
        model.eval()
        def step():
            with torch.no_grad():
                head(model(input_ids=ids, attention_mask=mask).last_hidden_state[:, 0]).softmax(-1)
        run("minilm-infer-b16-s128", 16, step)

# --- EfficientNet-Lite0 (TF "same" padding, ReLU6, no SE), keys as the .pth ---
class SameConv(nn.Conv2d):
    def forward(self, x):
        ih, iw = x.shape[-2:]; k = self.kernel_size[0]; s = self.stride[0]
        ph = max((-(-ih // s) - 1) * s + k - ih, 0); pw = max((-(-iw // s) - 1) * s + k - iw, 0)
        if ph or pw: x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, 1, self.groups)

class Block(nn.Module):
    def __init__(self, cin, cout, k, s, e):
        super().__init__(); mid = cin * e; self.expand = e != 1
        if self.expand:
            self._expand_conv = SameConv(cin, mid, 1, bias=False); self._bn0 = nn.BatchNorm2d(mid, eps=1e-3, momentum=0.01)
        self._depthwise_conv = SameConv(mid, mid, k, s, groups=mid, bias=False); self._bn1 = nn.BatchNorm2d(mid, eps=1e-3, momentum=0.01)
        self._project_conv = SameConv(mid, cout, 1, bias=False); self._bn2 = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)
        self.skip = s == 1 and cin == cout
    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y

class Lite0(nn.Module):
    STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
              (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
    def __init__(self):
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, 2, bias=False); self._bn0 = nn.BatchNorm2d(32, eps=1e-3, momentum=0.01)
        blocks = []
        for r, k, s, e, cin, cout in self.STAGES:
            for i in range(r): blocks.append(Block(cin if i == 0 else cout, cout, k, s if i == 0 else 1, e))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv(320, 1280, 1, bias=False); self._bn1 = nn.BatchNorm2d(1280, eps=1e-3, momentum=0.01)
        self._fc = nn.Linear(1280, 1000)
    def pooled(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for b in self._blocks: x = b(x)
        return F.relu6(self._bn1(self._conv_head(x))).mean((2, 3))

def effnet(kind):
    model = Lite0()
    sd = torch.load(f"{MODELS}/efficientnet-lite0/efficientnet-lite0-57934424.pth", map_location="cpu")
    model.load_state_dict(sd, strict=True)
    torch.manual_seed(21)
    head = nn.Linear(1280, 10); images = torch.randn(16, 3, 224, 224); labels = torch.randint(0, 10, (16,))
    if kind == "train":
        model.train(); opt = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=1e-4)
        def step():
            opt.zero_grad(); F.cross_entropy(head(model.pooled(images)), labels).backward(); opt.step()
        run("effnet-train-b16-224", 16, step)
    elif kind == "frozen":
        model.eval(); model.requires_grad_(False); opt = torch.optim.AdamW(head.parameters(), lr=1e-4)
        def step():
            opt.zero_grad()
            with torch.no_grad(): f = model.pooled(images)
            F.cross_entropy(head(f), labels).backward(); opt.step()
        run("effnet-frozen-b16-224", 16, step)
    else:
        model.eval()
        def step():
            with torch.no_grad(): head(model.pooled(images))
        run("effnet-infer-b16-224", 16, step)

# --- GE2E ---
class GE2E(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(40, 256, 3, batch_first=True); self.linear = nn.Linear(256, 256)
        self.similarity_weight = nn.Parameter(torch.tensor([10.0])); self.similarity_bias = nn.Parameter(torch.tensor([-5.0]))
    def forward(self, mels):
        _, (hidden, _) = self.lstm(mels)
        e = F.relu(self.linear(hidden[-1]))
        return e / torch.norm(e, dim=1, keepdim=True)

def ge2e(train):
    model = GE2E()
    model.load_state_dict(torch.load(f"{MODELS}/ge2e/pretrained.pt", map_location="cpu")["model_state"])
    torch.manual_seed(21); mels = torch.rand(32, 160, 40)
    if train:
        model.train(); opt = torch.optim.Adam([p for n, p in model.named_parameters() if not n.startswith("similarity")], lr=1e-4)
        def step():
            opt.zero_grad(); e = model(mels); (e @ e.T).sum().backward(); opt.step()
        run("ge2e-train-b32-f160", 32, step)
    else:
        model.eval()
        def step():
            with torch.no_grad(): model(mels)
        run("ge2e-infer-b32-f160", 32, step)

WORKLOADS = {
    "gemm-1024": gemm,
    "minilm-train-b16-s128": lambda: minilm(True), "minilm-infer-b16-s128": lambda: minilm(False),
    "effnet-train-b16-224": lambda: effnet("train"), "effnet-frozen-b16-224": lambda: effnet("frozen"),
    "effnet-infer-b16-224": lambda: effnet("infer"),
    "ge2e-train-b32-f160": lambda: ge2e(True), "ge2e-infer-b32-f160": lambda: ge2e(False),
}
names = [a for a in sys.argv[1:] if not a.isdigit()] or list(WORKLOADS)
for n in names: WORKLOADS[n]()

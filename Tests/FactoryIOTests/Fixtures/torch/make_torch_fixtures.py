#!/usr/bin/env python3
"""Writes the tiny PyTorch-format fixtures beside this script, with the standard library only.

There is no torch here: fake `torch` and `torch._utils` modules are registered in sys.modules
so that the stdlib Pickler writes the same GLOBAL names torch.save writes, and persistent ids
stand for storages exactly as in torch.save. Layouts:
  legacy: pickle(magic), pickle(1001), pickle(sys_info), object pickle, pickle(sorted keys),
          then per key: int64 little-endian element count + raw little-endian bytes.
  zip:    archive/data.pkl + archive/data/<key> (stored) + archive/version + archive/byteorder.
The values are asserted by Tests/FactoryIOTests/TorchCheckpointTests.swift. Run:
  python3 make_torch_fixtures.py   (rewrites the .pt files; output is deterministic)
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

# --- fake torch ---------------------------------------------------------------------------
torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
torch._utils = utils
sys.modules["torch"] = torch
sys.modules["torch._utils"] = utils


def _global(module, function):
    function.__module__ = module.__name__
    function.__qualname__ = function.__name__
    setattr(module, function.__name__, function)
    return function


def _rebuild_tensor_v2(*args):
    raise RuntimeError("never called")


def _rebuild_parameter(*args):
    raise RuntimeError("never called")


_global(utils, _rebuild_tensor_v2)
_global(utils, _rebuild_parameter)

STORAGE_TYPES = {}
for name, fmt, size in [("FloatStorage", "<f", 4), ("HalfStorage", "<e", 2), ("LongStorage", "<q", 8),
                        ("BFloat16Storage", None, 2), ("IntStorage", "<i", 4), ("ByteStorage", "<B", 1)]:
    cls = type(name, (), {"__module__": "torch"})
    cls.__qualname__ = name
    setattr(torch, name, cls)
    STORAGE_TYPES[name] = (cls, fmt, size)


class Storage:
    """A fake typed storage: raw little-endian bytes plus its torch storage class."""

    def __init__(self, key, type_name, values):
        self.key = key
        self.cls, fmt, size = STORAGE_TYPES[type_name]
        if type_name == "BFloat16Storage":  # top 16 bits of the float32 pattern
            self.raw = b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in values)
        else:
            self.raw = b"".join(struct.pack(fmt, v) for v in values)
        self.numel = len(values)


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (_rebuild_tensor_v2, self.args)


class Parameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce__(self):
        return (_rebuild_parameter, (self.tensor, True, collections.OrderedDict()))


def make_pickler(buffer, protocol, legacy):
    seen = {}

    class TorchPickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                seen[obj.key] = obj
                if legacy:
                    return ("storage", obj.cls, obj.key, "cpu", obj.numel, None)
                return ("storage", obj.cls, obj.key, "cpu", obj.numel)
            return None

    return TorchPickler(buffer, protocol=protocol), seen


# --- contents -----------------------------------------------------------------------------
def basic_state_dict():
    a = Storage("0", "FloatStorage", [0.5 * i for i in range(12)])
    b = Storage("1", "HalfStorage", [1.0, -2.0, 0.5, 65504.0])
    c = Storage("2", "LongStorage", [1, -2, 3000000000, 7])
    d = Storage("3", "LongStorage", [42])
    e = Storage("4", "BFloat16Storage", [1.0, -3.5])
    state = collections.OrderedDict()
    state["weight"] = Tensor(a, 0, [2, 3], [3, 1])
    state["transposed"] = Tensor(a, 0, [3, 2], [1, 3])          # non-contiguous
    state["offset_view"] = Tensor(a, 6, [2, 2], [2, 1])         # storage offset
    state["strided"] = Tensor(a, 1, [2, 2], [6, 2])             # offset and gaps
    state["half"] = Tensor(b, 0, [4], [1])
    state["ids"] = Tensor(c, 0, [4], [1])
    state["num_batches_tracked"] = Tensor(d, 0, [], [])
    state["bf16"] = Tensor(e, 0, [2], [1])
    state["param"] = Parameter(Tensor(a, 9, [3], [1]))
    return state


def nested_checkpoint():
    w = Storage("10", "FloatStorage", [1.0, 2.0, 3.0, 4.0, 0.25, -0.25])
    m = Storage("11", "FloatStorage", [9.0, 8.0])
    model_state = collections.OrderedDict()
    model_state["linear.weight"] = Tensor(w, 0, [2, 2], [2, 1])
    model_state["linear.bias"] = Tensor(w, 4, [2], [1])
    optimizer_state = {"state": {0: {"exp_avg": Tensor(m, 0, [2], [1]), "step": 5}},
                       "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1]}]}
    return {"step": 12, "model_state": model_state, "optimizer_state": optimizer_state}


# --- writers ------------------------------------------------------------------------------
MAGIC = 0x1950a86a20f9469cfc6c
SYS_INFO = {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}


def legacy_bytes(obj, object_pickle=None):
    out = io.BytesIO()
    pickle.dump(MAGIC, out, protocol=2)
    pickle.dump(1001, out, protocol=2)
    pickle.dump(SYS_INFO, out, protocol=2)
    if object_pickle is not None:
        out.write(object_pickle)
        seen = {}
    else:
        pickler, seen = make_pickler(out, 2, legacy=True)
        pickler.dump(obj)
    keys = sorted(seen)
    pickle.dump(keys, out, protocol=2)
    for key in keys:
        out.write(struct.pack("<q", seen[key].numel))
        out.write(seen[key].raw)
    return out.getvalue()


def zip_bytes(obj, protocol=2, object_pickle=None):
    buffer = io.BytesIO()
    if object_pickle is not None:
        buffer.write(object_pickle)
        seen = {}
    else:
        pickler, seen = make_pickler(buffer, protocol, legacy=False)
        pickler.dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        def add(name, data):
            info = zipfile.ZipInfo("archive/" + name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
        add("data.pkl", buffer.getvalue())
        add("byteorder", b"little")
        for key in sorted(seen):
            add("data/" + key, seen[key].raw)
        add("version", b"3\n")
    return out.getvalue()


# Hand-written hostile object pickles: they name os.system / builtins.eval and would run a
# shell command or code if Python unpickled them. The reader must refuse them by name.
COMMAND = b"echo pwned"
CODE = b"print('pwned')"
OS_SYSTEM = (b"\x80\x02cos\nsystem\nq\x00"                                   # PROTO 2, GLOBAL os.system
             + b"X" + struct.pack("<I", len(COMMAND)) + COMMAND + b"q\x01"      # BINUNICODE
             + b"\x85q\x02Rq\x03.")                                           # TUPLE1, REDUCE, STOP
BUILTINS_EVAL = (b"\x80\x04\x95" + struct.pack("<Q", 0)                          # PROTO 4, FRAME
                 + b"\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94"            # STACK_GLOBAL builtins.eval
                 + b"\x8c" + bytes([len(CODE)]) + CODE + b"\x94\x85\x94R\x94.")   # SHORT_BINUNICODE, TUPLE1, REDUCE


def out_of_bounds_state_dict():
    a = Storage("0", "FloatStorage", [1.0, 2.0, 3.0, 4.0])
    state = collections.OrderedDict()
    state["fine"] = Tensor(a, 0, [4], [1])
    state["too_long"] = Tensor(a, 2, [3], [1])       # elements 2, 3, 4: one past the storage
    return state


def zip_without_storage_bytes():
    data = zipfile.ZipFile(io.BytesIO(zip_bytes(basic_state_dict())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for info in data.infolist():
            if info.filename != "archive/data/1":
                archive.writestr(info, data.read(info.filename))
    return out.getvalue()


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as handle:
        handle.write(data)
    print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    write("legacy_basic.pt", legacy_bytes(basic_state_dict()))
    write("legacy_nested.pt", legacy_bytes(nested_checkpoint()))
    write("zip_basic.pt", zip_bytes(basic_state_dict(), protocol=2))
    write("zip_protocol4.pt", zip_bytes({"epoch": 3, "state_dict": basic_state_dict()}, protocol=4))
    write("legacy_os_system.pt", legacy_bytes(None, object_pickle=OS_SYSTEM))
    write("zip_builtins_eval.pt", zip_bytes(None, object_pickle=BUILTINS_EVAL))
    write("legacy_out_of_bounds.pt", legacy_bytes(out_of_bounds_state_dict()))
    write("zip_missing_storage.pt", zip_without_storage_bytes())

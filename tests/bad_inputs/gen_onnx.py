#!/usr/bin/env python3
"""Writes the small bad ONNX models of the corpus (checked in; rerun to regenerate).

Plain protobuf wire encoding, so it needs no onnx package:
    python3 tests/bad_inputs/gen_onnx.py
Each model is a tiny MLP on a [1, 4] float input with one defect.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FLOAT, INT64 = 1, 7


def varint(n):
    out = b""
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def key(field, wire):
    return varint(field << 3 | wire)


def f_int(field, n):
    return key(field, 0) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def f_float(field, x):
    return key(field, 5) + struct.pack("<f", x)


def tensor(name, dims, values, dtype=FLOAT):
    t = b"".join(f_int(1, d) for d in dims) + f_int(2, dtype) + f_bytes(8, name)
    if dtype == FLOAT:
        t += f_bytes(9, struct.pack("<%df" % len(values), *values))
    else:
        t += f_bytes(9, struct.pack("<%dq" % len(values), *values))
    return t


def value_info(name, dims):
    shape = b"".join(f_bytes(1, f_int(1, d)) for d in dims)
    tensor_type = f_int(1, FLOAT) + f_bytes(2, shape)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, tensor_type))


def attr_int(name, v):
    return f_bytes(1, name) + f_int(3, v) + f_int(20, 2)  # type INT


def node(op, inputs, outputs, name="", attrs=()):
    n = b"".join(f_bytes(1, i) for i in inputs) + b"".join(f_bytes(2, o) for o in outputs)
    if name:
        n += f_bytes(3, name)
    n += f_bytes(4, op)
    n += b"".join(f_bytes(5, a) for a in attrs)
    return n


def model(nodes, inits, inputs, outputs):
    g = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "g")
    g += b"".join(f_bytes(5, t) for t in inits)
    g += b"".join(f_bytes(11, v) for v in inputs)
    g += b"".join(f_bytes(12, v) for v in outputs)
    opset = f_bytes(1, "") + f_int(2, 13)
    return f_int(1, 8) + f_bytes(8, opset) + f_bytes(7, g)


def write(case, data):
    d = os.path.join(HERE, case)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(data)


W = [0.1 * i for i in range(12)]  # [4, 3]
X = [value_info("x", [1, 4])]
Y = [value_info("y", [1, 3])]

# A valid model, for reference: Gemm(x, W) -> Relu.
good_nodes = [node("Gemm", ["x", "W"], ["h"], "fc"), node("Relu", ["h"], ["y"], "relu")]
good = model(good_nodes, [tensor("W", [4, 3], W)], X, Y)

write("onnx_unsupported_op",
      model([node("Gemm", ["x", "W"], ["h"], "fc"), node("Hardmax", ["h"], ["y"], "hardmax")],
            [tensor("W", [4, 3], W)], X, Y))
# Softmax over axis 0 of [1, 3]: the batch axis, not the features.
write("onnx_softmax_axis",
      model([node("Gemm", ["x", "W"], ["h"], "fc"), node("Softmax", ["h"], ["y"], "softmax", [attr_int("axis", 0)])],
            [tensor("W", [4, 3], W)], X, Y))
write("onnx_missing_initializer", model(good_nodes, [], X, Y))
write("onnx_shape_mismatch", model(good_nodes, [tensor("W", [5, 3], [0.0] * 15)], X, Y))
write("onnx_raw_data_size", model(good_nodes, [tensor("W", [4, 3], W[:7])], X, Y))
write("onnx_nan_weights", model(good_nodes, [tensor("W", [4, 3], [float("nan")] * 12)], X, Y))
write("onnx_huge_dims", model(good_nodes, [tensor("W", [1 << 20, 1 << 20], [])], X, Y))
write("onnx_negative_dims", model(good_nodes, [tensor("W", [-4, 3], [])], X, Y))
write("onnx_int64_weights", model(good_nodes, [tensor("W", [4, 3], list(range(12)), INT64)], X, Y))
write("onnx_undefined_input",
      model([node("Gemm", ["nope", "W"], ["h"], "fc"), node("Relu", ["h"], ["y"], "relu")],
            [tensor("W", [4, 3], W)], X, Y))
write("onnx_no_input", model(good_nodes, [tensor("W", [4, 3], W)], [], Y))
write("onnx_two_outputs", model(good_nodes, [tensor("W", [4, 3], W)], X, Y + [value_info("h", [1, 3])]))
write("onnx_no_output", model(good_nodes, [tensor("W", [4, 3], W)], X, []))
write("onnx_duplicate_output",
      model([node("Gemm", ["x", "W"], ["h"], "fc"), node("Relu", ["h"], ["h"], "relu")],
            [tensor("W", [4, 3], W)], X, [value_info("h", [1, 3])]))
write("onnx_batch_size",  # a batch of 0 samples (any N >= 1 or a symbolic batch imports)
      model(good_nodes, [tensor("W", [4, 3], W)], [value_info("x", [0, 4])], Y))
write("onnx_conv_on_2d",
      model([node("Conv", ["x", "W"], ["y"], "conv")], [tensor("W", [3, 4, 1, 1], W)], X, Y))
write("onnx_conv_group",  # grouped convolution is supported; these weights do not fit group 2
      model([node("Conv", ["x", "W"], ["y"], "conv", [attr_int("group", 2)])],
            [tensor("W", [3, 4, 1, 1], W)], [value_info("x", [1, 4, 5, 5])], Y))
write("onnx_reshape_bad",
      model([node("Reshape", ["x", "s"], ["r"], "reshape"), node("Gemm", ["r", "W"], ["y"], "fc")],
            [tensor("s", [2], [2, 2], INT64), tensor("W", [4, 3], W)], X, Y))
# Found by fuzz_onnx: the element count of the target shape overflowed int64.
write("onnx_reshape_overflow",
      model([node("Reshape", ["x", "s"], ["r"], "reshape"), node("Gemm", ["r", "W"], ["y"], "fc")],
            [tensor("s", [2], [2, 4611686018427387906], INT64), tensor("W", [4, 3], W)], X, Y))
write("onnx_empty_graph", model([], [], X, Y))
write("onnx_truncated", good[: len(good) - 20])
write("onnx_garbage", bytes((i * 131 + 7) % 256 for i in range(300)))
write("onnx_empty", b"")
# Seeds of the ONNX fuzz target (fuzz/corpus/onnx/): valid small models.
seeds = os.path.join(HERE, "..", "..", "fuzz", "corpus", "onnx")
os.makedirs(seeds, exist_ok=True)
with open(os.path.join(seeds, "mlp.onnx"), "wb") as f:
    f.write(good)
# Gemm -> Softmax (opset 13, default axis): a classifier's usual end.
with open(os.path.join(seeds, "mlp_softmax.onnx"), "wb") as f:
    f.write(model([node("Gemm", ["x", "W"], ["h"], "fc"), node("Softmax", ["h"], ["y"], "softmax")],
                  [tensor("W", [4, 3], W)], X, Y))


def attr_ints(name, vs):
    return f_bytes(1, name) + b"".join(f_int(8, v) for v in vs) + f_int(20, 7)  # type INTS


# Conv(2x3x3 on 1x6x6, bias) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm(transB) -> y[1, 3]
conv = model([node("Conv", ["x", "Wc", "bc"], ["c"], "conv", [attr_ints("kernel_shape", [3, 3])]),
              node("Relu", ["c"], ["r"], "relu"),
              node("MaxPool", ["r"], ["p"], "pool", [attr_ints("kernel_shape", [2, 2]), attr_ints("strides", [2, 2])]),
              node("Flatten", ["p"], ["f"], "flatten"),
              node("Gemm", ["f", "Wd"], ["y"], "fc", [attr_int("transB", 1)])],
             [tensor("Wc", [2, 1, 3, 3], [0.05 * i for i in range(18)]), tensor("bc", [2], [0.1, -0.1]),
              tensor("Wd", [3, 8], [0.01 * i for i in range(24)])],
             [value_info("x", [1, 1, 6, 6])], Y)
with open(os.path.join(seeds, "conv.onnx"), "wb") as f:
    f.write(conv)

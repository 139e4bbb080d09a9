"""A minimal ONNX writer for the tests: one Gemm layer y = x W + b as a ModelProto,
encoded by hand in protobuf's wire format (so the tests need no onnx package)."""

import numpy as np


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, value):
    """A varint (int) or length-delimited (bytes/str) field."""
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    if isinstance(value, str):
        value = value.encode()
    return _varint((number << 3) | 2) + _varint(len(value)) + value


def _tensor(name, array):
    a = np.ascontiguousarray(array, dtype="<f4")
    dims = b"".join(_field(1, d) for d in a.shape)
    return dims + _field(2, 1) + _field(8, name) + _field(9, a.tobytes())  # dims, FLOAT, name, raw_data


def _value_info(name, dims):
    shape = b"".join(_field(1, _field(1, d)) for d in dims)  # TensorShapeProto.dim.dim_value
    tensor_type = _field(1, 1) + _field(2, shape)  # elem_type FLOAT, shape
    return _field(1, name) + _field(2, _field(1, tensor_type))


def gemm_model(path, weights, bias):
    """Writes a model taking x [1, K] to x @ weights + bias, weights [K, N]."""
    k, n = weights.shape
    node = _field(1, "x") + _field(1, "W") + _field(1, "b") + _field(2, "y") + _field(3, "fc") + _field(4, "Gemm")
    graph = (_field(1, node) + _field(2, "gemm") + _field(5, _tensor("W", weights)) + _field(5, _tensor("b", bias)) +
             _field(11, _value_info("x", [1, k])) + _field(12, _value_info("y", [1, n])))
    model = _field(1, 7) + _field(8, _field(2, 13)) + _field(7, graph)  # ir_version 7, opset 13
    with open(path, "wb") as f:
        f.write(model)


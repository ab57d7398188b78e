"""Named corner cases of flatten and reshape against PyTorch: size-1 dims with odd strides,
zero-size tensors, rank 0, a batch of one, the NCHW/NHWC layouts of docs/views.md, expanded
dims. Each must view exactly when torch does, with torch's data_ptr and strides."""

import pytest

torch = pytest.importorskip("torch")

import ravel  # noqa: E402
from torch_helpers import check_like_torch  # noqa: E402


def nchw(n=2, c=3, h=4, w=5):
    return torch.arange(n * c * h * w, dtype=torch.float32).reshape(n, c, h, w)


# (id, tensor factory, operation): operation is ("flatten", start, end) or ("reshape", shape).
CASES = [
    ("nhwc_flatten_1_copies", lambda: nchw().permute(0, 2, 3, 1), ("flatten", 1, -1)),
    ("nhwc_flatten_1_2_views", lambda: nchw().permute(0, 2, 3, 1), ("flatten", 1, 2)),
    ("batch1_flatten_1_views", lambda: nchw(n=1), ("flatten", 1, -1)),
    ("batch1_nhwc_flatten_0_1", lambda: nchw(n=1).permute(0, 2, 3, 1), ("flatten", 0, 1)),
    ("batch1_nhwc_flatten_all", lambda: nchw(n=1).permute(0, 2, 3, 1), ("flatten", 0, -1)),
    ("batch1_transposed_reshape", lambda: nchw(n=1).transpose(2, 3), ("reshape", (3, 5, 4))),
    ("size1_dims_odd_strides",
     lambda: torch.arange(12.).as_strided((3, 1, 4, 1), (4, 99, 1, 7)), ("reshape", (12,))),
    ("size1_dims_odd_strides_unsqueeze",
     lambda: torch.arange(12.).as_strided((1, 3, 1, 4), (5, 4, 3, 1)), ("reshape", (1, 1, 12, 1))),
    ("size1_new_dims_in_transpose", lambda: torch.arange(6.).reshape(2, 3).t(),
     ("reshape", (3, 1, 2, 1))),
    ("all_size1", lambda: torch.ones(1, 1, 1).as_strided((1, 1, 1), (3, 2, 1)),
     ("reshape", (1,))),
    ("zero_size_same_shape_keeps_strides", lambda: torch.empty(4, 0, 3).permute(2, 0, 1),
     ("reshape", (3, 4, 0))),
    ("zero_size_new_shape_dense", lambda: torch.empty(4, 0, 3).permute(2, 0, 1),
     ("reshape", (0, 6))),
    ("zero_size_flatten", lambda: torch.empty(2, 0, 3).transpose(0, 2), ("flatten", 0, -1)),
    ("zero_size_flatten_middle", lambda: torch.empty(5, 0, 3, 2).transpose(0, 3),
     ("flatten", 1, 2)),
    ("rank0_flatten", lambda: torch.tensor(3.5), ("flatten", 0, -1)),
    ("rank0_reshape_1_1", lambda: torch.tensor(3.5), ("reshape", (1, 1))),
    ("rank0_reshape_minus1", lambda: torch.tensor(3.5), ("reshape", (-1,))),
    ("rank0_reshape_rank0", lambda: torch.tensor(3.5), ("reshape", ())),
    ("to_rank0", lambda: torch.tensor([[2.5]]).t(), ("reshape", ())),
    ("expand_merge_copies", lambda: torch.arange(3.).reshape(3, 1).expand(3, 4),
     ("flatten", 0, -1)),
    ("expand_merge_broadcast_dims_views", lambda: torch.arange(3.).expand(2, 4, 3),
     ("flatten", 0, 1)),
    ("flatten_s_s_noncontiguous_views", lambda: nchw()[:, ::2].permute(3, 1, 0, 2),
     ("flatten", 2, 2)),
    ("sliced_step_flatten_copies", lambda: nchw()[:, :, ::2], ("flatten", 2, 3)),
    ("sliced_step_flatten_outer_views", lambda: nchw()[:, :, :, ::2], ("flatten", 0, 2)),
    ("transpose_split_views", lambda: torch.arange(24.).reshape(4, 6).t(),
     ("reshape", (2, 3, 4))),
    ("transpose_merge_copies", lambda: torch.arange(24.).reshape(4, 6).t(), ("reshape", (24,))),
    ("reshape_minus1_views", lambda: nchw()[1:], ("reshape", (-1, 20))),
    ("head_split", lambda: torch.arange(2 * 5 * 12.).reshape(2, 5, 12),
     ("reshape", (2, 5, 3, 4))),
    ("head_merge_after_permute_copies",
     lambda: torch.arange(2 * 5 * 12.).reshape(2, 5, 3, 4).permute(0, 2, 1, 3),
     ("reshape", (2, 3, 20))),
]


@pytest.mark.parametrize("factory,operation", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_like_torch(factory, operation):
    x = factory()
    if operation[0] == "flatten":
        expected = torch.flatten(x, operation[1], operation[2])
        got = ravel.flatten(x, operation[1], operation[2])
    else:
        expected = x.reshape(operation[1])
        got = ravel.reshape(x, operation[1])
    check_like_torch(x, expected, got, f"{tuple(x.shape)} strides {x.stride()} {operation}")


def test_views_write_through():
    """A view shares memory for real: writing into it changes the source."""
    x = nchw().permute(0, 2, 3, 1)
    view = ravel.flatten(x, 1, 2)
    view[1, 2, 0] = -1.0
    assert x[1, 0, 2, 0] == -1.0


def test_bad_arguments_raise_the_librarys_message():
    x = nchw()
    with pytest.raises(ravel.RavelError) as error:
        ravel.reshape(x, (7, -1))
    assert error.value.status == "RAVEL_E_INVALID_ARGUMENT"
    with pytest.raises(ravel.RavelError) as error:
        ravel.reshape(x, (-1, -1))
    assert error.value.status == "RAVEL_E_INVALID_ARGUMENT"
    with pytest.raises(ravel.RavelError) as error:
        ravel.flatten(x, 3, 1)
    assert error.value.status == "RAVEL_E_INVALID_ARGUMENT"
    with pytest.raises(ravel.RavelError) as error:
        ravel.flatten(x, 0, 4)
    assert error.value.status == "RAVEL_E_INVALID_ARGUMENT"
    assert error.value.message  # the library's own message, naming the argument

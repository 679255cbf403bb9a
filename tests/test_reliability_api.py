"""Round two of the Python API's errors: user errors are InvalidInput/InvalidType naming the parameter,
never MemoryError, AttributeError, IndexError, RuntimeError or a scipy message; nothing silent."""

from __future__ import annotations

import numpy as np
import pytest

from infoscale import make_family, mi_curve
from infoscale._checks import check_int_array, check_token_array
from infoscale.errors import InvalidInput, InvalidType
from infoscale.estimators.two_point_sample import two_point_mi_curve
from infoscale.exact.gaussian import gaussian_mi
from infoscale.theory.scaling import fit_scaling_law
from infoscale.token_files import load_tokens


@pytest.mark.parametrize("call, needle", [
    (lambda: make_family("ar").sample(10**12, 4, 0), "n=1000000000000"),
    (lambda: make_family("ar").covariance(10**6), "covariance"),
    (lambda: two_point_mi_curve(np.array([0, 1, 2**40, 3])), "tokens must be <="),
    (lambda: two_point_mi_curve(np.array([0, 1, 1, 0, 1]), distances=[1.5]), "distances"),
    (lambda: mi_curve(make_family("ar"), [16.5]), "lengths"),
    (lambda: fit_scaling_law([16, 32, 64, 128], [1e300, 1.1e300, 1.2e300, 1.3e300]), "mi values"),
    (lambda: make_family("ar").log_prob(np.ones((2, 4)) * (1 + 1j)), "complex"),
    (lambda: make_family("copy", vocab_size=10**12), "vocab_size"),
])
def test_user_errors_are_invalid_input_naming_the_parameter(call, needle):
    with pytest.raises(InvalidInput) as caught:
        call()
    assert needle in str(caught.value) and "np.float64" not in str(caught.value)


def test_model_and_training_errors(one_torch_thread):
    import torch

    from infoscale.nets.models import build_model
    from infoscale.nets.train import TrainConfig, train

    model = build_model("gru", {"d_hidden": 4, "vocab_size": 3})
    with pytest.raises(InvalidType, match="torch tensor"):
        model(np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(InvalidInput, match=r"\[0, 2\].*0\.\.5"):
        model(torch.tensor([[0, 5]]))
    with pytest.raises(InvalidInput, match="length 0"):
        model(torch.zeros((2, 0), dtype=torch.long))
    with pytest.raises(InvalidType, match="TrainConfig"):
        train(model, make_family("hmm"), 8, config={"steps": 1})
    with pytest.raises(InvalidType, match="amp"):
        TrainConfig(amp="yes")


def test_exact_mi_of_independent_halves_is_zero_not_negative():
    rng = np.random.default_rng(0)
    blocks = []
    for _ in range(2):
        a = rng.normal(size=(3, 3))
        blocks.append(a @ a.T + 3 * np.eye(3))
    cov = np.block([[blocks[0], np.zeros((3, 3))], [np.zeros((3, 3)), blocks[1]]])
    assert gaussian_mi(cov, 3) == 0.0  # independent halves: exactly 0 by the documented rounding rule
    cov[0, 5] = cov[5, 0] = 0.5  # and a dependent pair stays positive (the clamp does not hide MI)
    assert gaussian_mi(cov, 3) > 1e-3


def test_token_arrays_accept_booleans_and_refuse_what_is_not_tokens():
    tokens, vocab = check_token_array(np.array([True, False, True]))
    assert tokens.dtype == np.int64 and tokens.tolist() == [1, 0, 1] and vocab == 2
    for bad in (np.array(["a", "b"]), np.array([1 + 1j, 2]), np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"),
                np.zeros(3, dtype=[("a", "<i4")])):
        with pytest.raises(InvalidType, match="integer tokens"):
            check_token_array(bad)
    with pytest.raises(InvalidInput, match="2\\*\\*31"):
        check_token_array(np.array([0, 2**64 - 1], dtype=np.uint64))  # never wrapped to a negative int64
    assert check_int_array("lengths", [16.0, 32]).tolist() == [16, 32]
    with pytest.raises(InvalidInput, match="integers"):
        check_int_array("lengths", [16.5])


def test_token_files_upper_case_npz_and_booleans_are_tokens(tmp_path):
    x = np.random.default_rng(1).integers(0, 3, size=(4, 16))
    np.savez(tmp_path / "t.npz", x=x)
    (tmp_path / "t.npz").rename(tmp_path / "UPPER.NPZ")
    assert np.array_equal(load_tokens(tmp_path / "UPPER.NPZ"), x)
    bits = np.random.default_rng(2).integers(0, 2, size=(8, 32)).astype(bool)
    np.savez(tmp_path / "bits.npz", x=bits)
    loaded = load_tokens(tmp_path / "bits.npz")
    assert loaded.dtype == np.int64 and np.array_equal(loaded, bits.astype(np.int64))
    # independent random bits are tokens: the two-point MI is small, not KSG's 4.8 nats of floats
    assert two_point_mi_curve(loaded, max_distance=2).mi.max() < 0.2


def test_messages_print_plain_numbers_not_numpy_reprs():
    from infoscale._checks import check_float, check_int

    for call in (lambda: check_int("n", np.float64(1.2)), lambda: check_float("x", np.complex128(1j)),
                 lambda: check_int("n", np.int64(-1), 0)):
        with pytest.raises(InvalidInput) as caught:
            call()
        assert "np." not in str(caught.value) and "numpy" not in str(caught.value)

"""Tests for course_lib.checks: the learner self-checks pass right answers, fail wrong ones."""

import numpy as np
import pytest

from course_lib import (
    ACTIVATIONS,
    check_my_derivative,
    check_my_gradient,
    check_my_jacobian,
    sigmoid,
    softmax,
    softmax_jacobian,
)


class TestCheckMyDerivative:
    @pytest.mark.parametrize("name", list(ACTIVATIONS))
    def test_the_library_derivative_passes_for_every_activation(self, name):
        result = check_my_derivative(name, ACTIVATIONS[name].derivative)
        assert result.passed, str(result)
        assert str(result).startswith("PASS: your derivative of " + name)

    def test_textbook_forms_pass_on_the_default_grid(self):
        # p(1-p) is accurate enough on [-6, 6]; the check is not about the tails
        assert check_my_derivative("sigmoid", lambda z: sigmoid(z) * (1 - sigmoid(z)))
        assert check_my_derivative("tanh", lambda z: 1 - np.tanh(z) ** 2)

    def test_wrong_answer_fails_and_names_the_worst_point(self):
        # sigma(z)(1 + sigma(z)) differs most where sigma is largest: z = 6
        result = check_my_derivative("sigmoid", lambda z: sigmoid(z) * (1 + sigmoid(z)))
        assert not result.passed
        assert result.worst_at == "z = 6"
        assert str(result).startswith("FAIL: your derivative of sigmoid is off at z = 6")

    def test_kinks_are_left_out(self):
        # relu'(0) is a convention: a learner's 1 at 0 is not wrong
        assert check_my_derivative("relu", lambda z: (z >= 0).astype(float))

    def test_any_function_against_central_differences(self):
        assert check_my_derivative(np.sin, np.cos)
        result = check_my_derivative(np.sin, lambda z: -np.cos(z), z=np.linspace(0, 1, 11))
        assert not result.passed
        assert "central differences" in " ".join(str(result).split())  # wrapped at 88

    def test_wrong_shape_and_nan_fail_clearly(self):
        result = check_my_derivative("tanh", lambda z: 1.0 - np.tanh(z[:3]) ** 2)
        assert not result.passed
        assert "yours has shape (3,)" in " ".join(str(result).split())
        assert not check_my_derivative("tanh", lambda z: np.full_like(z, np.nan))

    def test_a_single_point(self):
        # z = 0.5 as a scalar: tanh'(0.5) = 1 - tanh(0.5)**2 = 0.7864477
        assert check_my_derivative("tanh", lambda z: 1.0 - np.tanh(z) ** 2, z=0.5)
        result = check_my_derivative("tanh", lambda z: np.ones_like(z), z=0.5)
        assert not result.passed
        assert "expected 0.7864477" in " ".join(str(result).split())
        assert not check_my_derivative("tanh", lambda z: np.full_like(z, np.nan), z=0.5)

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="my_derivative must be a function; got float"):
            check_my_derivative("tanh", 1.0)
        with pytest.raises(ValueError, match="relu2"):
            check_my_derivative("relu2", np.cos)
        with pytest.raises(TypeError, match="registry name or a function; got int"):
            check_my_derivative(3, np.cos)


class TestJacobianAndGradient:
    def test_softmax_jacobian(self):
        z = np.array([0.2, -1.0, 2.0, 0.7])
        assert check_my_jacobian(softmax, softmax_jacobian, z)
        assert not check_my_jacobian(softmax, lambda z: np.diag(softmax(z)), z)

    def test_gradient_of_a_loss(self):
        t = np.array([1.0, 0.0, 0.0])
        loss = lambda z: -np.log(softmax(z)[0])  # noqa: E731
        z = np.array([0.5, 1.0, -2.0])
        assert check_my_gradient(loss, lambda z: softmax(z) - t, z)
        result = check_my_gradient(loss, lambda z: t - softmax(z), z)
        assert not result.passed
        # the worst component by its index, and the coordinate's value there: x is a
        # point in parameter space (a weight, say), not an input z
        assert result.worst_at == "component 0 (where x = 0.5)"
        assert "relative to max(|expected|, 1)" in " ".join(str(result).split())


def test_reports_fit_88_columns():
    result = check_my_derivative("sigmoid", lambda z: 0 * z)
    lines = str(result).splitlines()
    assert len(lines) > 1
    assert max(map(len, lines)) <= 88
    assert " ".join(lines).startswith("FAIL: your derivative of sigmoid is off at z = 0:")

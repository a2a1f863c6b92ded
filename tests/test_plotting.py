"""Tests for course_lib.plotting: the data returned is the data drawn, and it is right."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import same_color

from course_lib.plotting import plot_activation, plot_derivative_gallery
from course_lib.registry import ACTIVATIONS

matplotlib.use("Agg")  # no display needed; MPLBACKEND=Agg does the same


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class TestPlotActivation:
    def test_data_is_function_and_derivative(self):
        z = np.linspace(-3, 3, 61)
        _, curves = plot_activation(["sigmoid", "relu"], z=z)
        assert list(curves) == ["sigmoid", "relu"]
        for name, curve in curves.items():
            act = ACTIVATIONS[name]
            np.testing.assert_array_equal(curve.z, z)
            np.testing.assert_array_equal(curve.f, act.function(z))
            np.testing.assert_array_equal(curve.df, act.derivative(z))

    def test_lines_match_data(self):
        ax, curves = plot_activation(["tanh", "softplus", "gelu"])
        lines = ax.get_lines()
        assert len(lines) == 2 * len(curves)
        for (name, curve), f_line, df_line in zip(
            curves.items(), lines[::2], lines[1::2], strict=True
        ):
            np.testing.assert_array_equal(f_line.get_xdata(), curve.z)
            np.testing.assert_array_equal(f_line.get_ydata(), curve.f)
            np.testing.assert_array_equal(df_line.get_xdata(), curve.z)
            np.testing.assert_array_equal(df_line.get_ydata(), curve.df)
            # function solid, derivative dashed, same colour, lw=2, labelled
            assert f_line.get_linestyle() == "-"
            assert df_line.get_linestyle() == "--"
            assert same_color(f_line.get_color(), df_line.get_color())
            assert f_line.get_linewidth() == df_line.get_linewidth() == 2
            assert f_line.get_label() == name
            assert df_line.get_label() == f"{name}′"

    def test_style(self):
        ax, _ = plot_activation("silu")
        assert ax.get_title() == ""
        assert ax.get_xlabel() == "z"
        assert ax.get_ylabel() == ax.get_ylabel().lower()
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["silu", "silu′"]

    def test_default_grid_avoids_kink(self):
        _, curves = plot_activation("relu")
        assert curves["relu"].z.min() == -5
        assert curves["relu"].z.max() == 5
        assert not np.any(curves["relu"].z == 0)

    def test_draws_on_given_axes(self):
        fig, ax = plt.subplots()
        drawn = plot_activation("elu", ax=ax)
        assert drawn.ax is ax
        assert len(fig.axes) == 1

    def test_renders(self):
        # drawing the canvas surfaces missing glyphs (warnings are errors)
        ax, _ = plot_activation(list(ACTIVATIONS))
        ax.figure.canvas.draw()

    def test_unknown_name(self):
        with pytest.raises(ValueError, match="valid names are"):
            plot_activation(["sigmoid", "Tanh"])

    def test_empty_and_bad_grid(self):
        with pytest.raises(ValueError, match="at least one"):
            plot_activation([])
        with pytest.raises(ValueError, match="one-dimensional"):
            plot_activation("tanh", z=np.zeros((2, 2)))


class TestGallery:
    def test_every_activation_by_default(self):
        fig, axes, curves = plot_derivative_gallery()
        assert list(curves) == list(axes) == list(ACTIVATIONS)
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert len(visible) == len(ACTIVATIONS)
        assert len(fig.axes) == math.ceil(len(ACTIVATIONS) / 4) * 4  # rows of 4
        fig.canvas.draw()

    def test_titles_one_legend_and_two_styles(self):
        fig, axes, _ = plot_derivative_gallery(["leaky_relu", "elu", "tanh"])
        assert [ax.get_title() for ax in axes.values()] == [
            "Leaky ReLU, α = 0.01",
            "ELU, α = 1",
            "Hyperbolic tangent",
        ]
        assert all(ax.get_legend() is None for ax in axes.values())
        (legend,) = fig.legends
        assert [t.get_text() for t in legend.get_texts()] == [
            "function f(z)",
            "derivative f′(z)",
        ]
        for ax in axes.values():  # told apart by colour and by line style
            f_line, df_line = ax.get_lines()
            assert f_line.get_color() != df_line.get_color()
            assert f_line.get_linestyle() != df_line.get_linestyle()
        # leaky ReLU's slope of 0.01 is invisible at this scale: it is pointed out
        texts = [t.get_text() for t in axes["leaky_relu"].texts]
        assert texts == ["slope α = 0.01"]
        assert len(axes["elu"].texts) == 0
        plt.close(fig)

    def test_each_panel_matches_its_data(self):
        z = np.linspace(-2, 2, 41)
        _, axes, curves = plot_derivative_gallery(["sigmoid", "leaky_relu", "gelu_tanh"], z=z)
        for name, ax in axes.items():
            act = ACTIVATIONS[name]
            f_line, df_line = ax.get_lines()
            np.testing.assert_array_equal(f_line.get_ydata(), act.function(z))
            np.testing.assert_array_equal(df_line.get_ydata(), act.derivative(z))
            np.testing.assert_array_equal(curves[name].df, act.derivative(z))

    def test_unknown_name(self):
        with pytest.raises(ValueError, match="valid names are"):
            plot_derivative_gallery(["relu", "softmax"])

r"""Imported once by the math worker pool's forkserver: pays the first-use costs up front.

math-verify builds its LaTeX parser and sympy fills caches on the first check
(about 0.5 s). Doing one check of each kind here, before workers are forked,
means a freshly forked worker (including one that replaces a killed worker)
spends its whole timeout on the real check.
"""
from __future__ import annotations

from .math_equiv import symbolic_equal

for _gold, _pred in [("x^2-1", "(x-1)(x+1)"), ("[1,2)", r"\{1,2\}"), ("(1,2)", "(2,1)"),
                     (r"\frac{\sqrt{3}}{2}", r"\sin(\pi/3)"), ("y=2x", "2x"),
                     (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{pmatrix}1\\2\end{pmatrix}")]:
    symbolic_equal(_gold, _pred)

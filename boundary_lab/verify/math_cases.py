r"""Case tables for math grading: (gold, completion, expected) per answer format.

Each kind is a format that models or datasets really use (MATH500, Minerva,
OlympiadBench and GSM8K answers; base-model few-shot outputs without a box;
Minerva's "Final Answer: ..." template). Every table
holds cases that must stay *unequal* next to the ones that must match. The
tests grade every row (``tests/test_math_formats.py``), and the verifiers page
shows how math-verify and the paper's grader do on the same rows
(``boundary_lab.verify.math_agreement``).

>>> sorted(CASES)[:3]
['assignments', 'equations', 'final_answer']
>>> all(len(rows) >= 10 for rows in CASES.values())
True
"""
from __future__ import annotations

__all__ = ["CASES", "KIND_TITLES", "all_cases"]

# A LaTeX answer with no box: base models under few-shot prompts often write these.
LATEX_NO_BOX = [
    (r"\frac{7}{3}", r"Adding the two parts, the ratio is $\frac{7}{3}$.", True),
    (r"\frac{7}{3}", r"So we get $$\frac{7}{3}$$", True),
    (r"\frac{7}{3}", r"So we get $\frac{7}{4}$.", False),
    (r"\frac{a+3}{5}", r"Splitting the fraction gives $\frac{a}{5}+\frac{3}{5}$.", True),
    (r"\frac{a+3}{5}", r"Splitting the fraction gives $\frac{a}{5}+\frac{2}{5}$.", False),
    ("[2,5)", r"The solution set is $[2,5)$.", True),
    ("[2,5)", r"The solution set is $(2,5]$.", False),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
     "Multiplying out,\n\\[\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}\\]", True),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
     "Multiplying out,\n\\[\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}\\]", False),
    (r"\begin{pmatrix} -1 \\ 4 \end{pmatrix}", r"The vector is \(\begin{pmatrix} -1 \\ 4 \end{pmatrix}\).", True),
    ("x^2", r"Differentiating twice, $f(x) = x^2$.", True),
    ("x^2", r"Differentiating twice, $f(x) = x^3$.", False),
    (r"\sqrt{13}", r"By Pythagoras the length is $\sqrt{4+9} = \sqrt{13}$.", True),
    ("5", r"Since $2+3=5$ and nothing else works, we are done: $5$", True),
]

# Minerva's template and prose after an answer marker.
FINAL_ANSWER = [
    ("42", "Final Answer: The final answer is $42$. I hope it is correct.", True),
    ("42", "Final Answer: The final answer is $41$. I hope it is correct.", False),
    (r"\frac{1}{2}", r"Final Answer: The final answer is $\frac{1}{2}$. I hope it is correct.", True),
    ("36", "We multiply the sides.\nFinal Answer: The area is 36.", True),
    ("36", "We multiply the sides.\nFinal Answer: The area is 35.", False),
    ("4.5e33", r"Final Answer: The final answer is $4.5 \times 10^{33}$. I hope it is correct.", True),
    (r"(-\infty, 3]", r"Final Answer: The final answer is $(-\infty,3]$. I hope it is correct.", True),
    (r"(-\infty, 3]", r"Final Answer: The final answer is $(-\infty,3)$. I hope it is correct.", False),
    ("12", r"We have $3 \cdot 4 = 12$ cookies left. The final answer is 12.", True),
    ("7", "Earlier I guessed $x = 5$, which fails. The final answer is 7", True),
    ("7", "Earlier I guessed $x = 7$, which fails. Final answer: 5", False),
    ("1.6", r"Final Answer: The final answer is $1.6 \mathrm{~cm}$. I hope it is correct.", True),
]

# Several boxes meant as one answer.
MULTIPLE_BOXES = [
    ("(3,1),(-2,5)", r"The solutions are $\boxed{(3,1)}, \boxed{(-2,5)}$.", True),
    ("(3,1),(-2,5)", r"The solutions are $\boxed{(3,1)}$ and $\boxed{(-2,6)}$.", False),
    (r"\{2,4,6\}", r"$\boxed{2},\boxed{4},\boxed{6}$", True),
    (r"\{2,4,6\}", r"$\boxed{2},\boxed{4}$", False),
    (r"\{1,2\}", r"$\boxed{1}, \boxed{2}, \boxed{3}$", False),
    ("-3, 4", r"So $x = \boxed{-3}$ or $x = \boxed{4}$.", True),
    ("-3, 4", r"So $x = \boxed{4}$ or $x = \boxed{-3}$.", True),
    ("4", r"First I found $\boxed{3}$, but that is wrong; checking again gives $\boxed{4}$.", True),
    ("3", r"First I found $\boxed{3}$, but that is wrong; checking again gives $\boxed{4}$.", False),
    (r"1, \frac{1}{2}", r"\boxed{1} \quad \boxed{\frac{1}{2}}", True),
    ("2, 3", r"The roots: \boxed{2} and \boxed{3}", True),
]

# Text answers.
TEXT_ANSWERS = [
    (r"\text{C}", r"The correct option is $\boxed{C}$.", True),
    (r"\text{C}", r"The correct option is $\boxed{D}$.", False),
    (r"\text{even}", r"Hence $f$ is $\boxed{\text{even}}$.", True),
    (r"\text{even}", r"Hence $f$ is $\boxed{\text{odd}}$.", False),
    ("even", r"The function is \boxed{\text{Even}}", True),
    (r"\text{(C)}", "The answer is (C).", True),
    (r"\text{Evelyn}", "So the fastest runner is Evelyn.\nFinal Answer: The final answer is Evelyn. I hope it is correct.", True),
    (r"\text{Evelyn}", r"So the fastest runner is $\boxed{\text{Bob}}$.", False),
    (r"\text{neither}", r"$\boxed{\text{neither}}$", True),
    (r"\text{neither}", r"$\boxed{\text{odd}}$", False),
    ("B", r"\boxed{\textbf{(B)}}", True),
    ("yes", r"\boxed{\text{Yes}}", True),
]

# Relations and inequalities read as intervals.
RELATIONS = [
    ("[-3,4]", r"So $x \in [-3,4]$.", True),
    ("[-3,4]", r"So $x \in (-3,4]$.", False),
    ("(-5, 12)", r"Therefore $-5 < a < 12$.", True),
    ("(-5, 12)", r"Therefore $-5 \le a < 12$.", False),
    (r"[3, \infty)", r"The inequality holds for $x \geq 3$.", True),
    (r"[3, \infty)", r"The inequality holds for $x > 3$.", False),
    (r"(-\infty, 2)", r"It works when $x<2$.", True),
    (r"(-\infty, 2)", r"It works when $2 > x$.", True),
    (r"(-\infty,-1) \cup (2,\infty)", r"\boxed{x < -1 \text{ or } x > 2}", True),
    (r"(-\infty,-1) \cup (2,\infty)", r"\boxed{x \le -1 \text{ or } x > 2}", False),
    (r"[1, 5]", r"\boxed{1 \leq x \leq 5}", True),
    (r"[1, 5]", r"\boxed{5 \geq x \geq 1}", True),
    (r"(3, \infty)", r"\boxed{3<x}", True),
    ("a > b", r"\boxed{b < a}", True),  # a relation between two variables is not an interval
]

# \pm as a set of two values.
PLUS_MINUS = [
    (r"\{-7, 7\}", r"Taking square roots, $\boxed{\pm 7}$.", True),
    (r"-7, 7", r"Taking square roots, $x = \pm 7$.", True),
    (r"\{-7, 7\}", r"Taking square roots, $\boxed{7}$.", False),
    (r"3+\sqrt{2}, 3-\sqrt{2}", r"By the quadratic formula, $\boxed{3 \pm \sqrt{2}}$.", True),
    (r"3+\sqrt{2}, 3-\sqrt{2}", r"By the quadratic formula, $\boxed{3 \pm \sqrt{3}}$.", False),
    (r"\pm 7", r"\boxed{7, -7}", True),
    (r"\pm 7", r"\boxed{-7}", False),
    (r"\pm \frac{1}{2}", r"\boxed{\frac{1}{2}, -\frac{1}{2}}", True),
    (r"\pm 2", r"\boxed{\{-2, 2\}}", True),
    (r"\pm 2", r"\boxed{\{-2, 2, 0\}}", False),
]

# Equations up to a nonzero factor, sides swapped, or negated.
EQUATIONS = [
    ("x+2y=3", r"\boxed{-x-2y=-3}", True),
    ("x+2y=3", r"\boxed{3 = x + 2y}", True),
    ("x+2y=3", r"\boxed{2x+4y=6}", True),
    ("x+2y=3", r"\boxed{x+2y=4}", False),
    ("y = 2x + 3", r"\boxed{2y = 4x + 6}", True),
    ("y = 2x + 3", r"\boxed{y = 2x - 3}", False),
    ("x^2+y^2=25", r"\boxed{2x^2+2y^2=50}", True),
    ("x^2+y^2=25", r"\boxed{x^2+y^2=5}", False),
    ("y = x", r"\boxed{y = -x}", False),
    ("3x - 4y + 5 = 0", r"The line is $\boxed{y = \frac{3}{4}x + \frac{5}{4}}$.", True),
    ("3x - 4y + 5 = 0", r"The line is $\boxed{y = \frac{4}{3}x + \frac{5}{4}}$.", False),
]

# Labels before the value.
LABELS = [
    ("5", r"\boxed{x = 5}", True),
    ("5", r"\boxed{y = 6}", False),
    (r"\frac{2}{\sqrt{3}}", r"Hence $\boxed{\frac{AB}{CD}=\frac{2}{\sqrt{3}}}$.", True),
    (r"\frac{2}{\sqrt{3}}", r"Hence $\boxed{\frac{AB}{CD}=\frac{3}{\sqrt{2}}}$.", False),
    ("3:8", r"\boxed{S_1:S_2=3:8}", True),
    ("3:8", r"\boxed{S_1:S_2=8:3}", False),
    ("12", r"\boxed{AB = 12}", True),
    (r"30^\circ", r"\boxed{\angle ABC = 30^\circ}", True),
    ("17", r"\boxed{f(3) = 17}", True),
    (r"\frac{\pi}{4}", r"\boxed{\theta = \frac{\pi}{4}}", True),
    (r"\frac{\pi}{4}", r"\boxed{\theta = \frac{\pi}{3}}", False),
    ("6", r"The answer is $m\angle A = 6$.", True),
]

# Lists of labelled assignments.
ASSIGNMENTS = [
    ("(1,3),(2,5)", r"\boxed{a=1,b=3; a=2,b=5}", True),
    ("(1,3),(2,5)", r"\boxed{a=1,b=3; a=2,b=6}", False),
    ("(1,3),(2,5)", r"\boxed{a=3,b=1; a=5,b=2}", False),
    ("(1,2)", r"\boxed{x=1, y=2}", True),
    ("(1,2)", r"\boxed{x=2, y=1}", False),
    ("2, 3", r"\boxed{x = 2 \text{ or } x = 3}", True),
    (r"\{2, 3\}", r"\boxed{x=2, x=3}", True),
    (r"\{2, 3\}", r"\boxed{x=2, x=4}", False),
    ("x=1, y=2", r"\boxed{(1, 2)}", True),
    ("x=1, y=2", r"\boxed{(2, 1)}", False),
]

# Thousands separators.
THOUSANDS = [
    ("12345", r"The total is $\boxed{12{,}345}$.", True),
    ("12345", r"The total is $\boxed{12{,}346}$.", False),
    ("20301", "Adding up, there are 20,301 ways.", True),
    ("20301", "Adding up, there are 20,310 ways.", False),
    ("1000000", r"\boxed{1,000,000}", True),
    (r"10,\!080", r"\boxed{10080}", True),
    (r"10,\!080", r"\boxed{10,800}", False),
    ("8221", "The answer is 8,221.", True),
    ("8221", r"\boxed{8, 221}", False),
    ("1234.5", r"\boxed{1{,}234.5}", True),
    ("3159.0", r"\boxed{3,159}", True),
]

# Gold answers written in LaTeX ($...$, $$...$$), as OlympiadBench and user files do.
GOLD_LATEX = [
    (r"$\frac{1}{2}$", r"\boxed{0.5}", True),
    (r"$\frac{1}{2}$", r"\boxed{\frac{1}{3}}", False),
    (r"$$\frac{7}{3}$$", r"\boxed{\frac{14}{6}}", True),
    (r"$x^2 + 1$", r"\boxed{1 + x^2}", True),
    (r"$x^2 + 1$", r"\boxed{x^2 - 1}", False),
    (r"$(3,1)$, $(-2,5)$", r"\boxed{(3,1), (-2,5)}", True),
    (r"$(3,1)$, $(-2,5)$", r"\boxed{(3,1)}", False),
    (r"$[2,5)$", r"\boxed{[2,5)}", True),
    (r"$[2,5)$", r"\boxed{(2,5]}", False),
    (r"The answer is $\boxed{12}$", "So 12 it is: \\boxed{12}", True),
    (r"$\$18$", r"\boxed{18}", True),
]

# Number words.
NUMBER_WORDS = [
    ("6", "The answer is six.", True),
    ("7", "The answer is six.", False),
    ("20", "So there are twenty students.\nFinal Answer: The final answer is twenty. I hope it is correct.", True),
    ("21", r"\boxed{\text{twenty-one}}", True),
    ("40", r"\boxed{\text{forty}}", True),
    ("14", r"\boxed{\text{forty}}", False),
    ("11", "The answer is eleven.", True),
    ("12", "The answer is eleven.", False),
    ("0", r"\boxed{\text{zero}}", True),
    ("90", "The answer is Ninety", True),
]

# Radicals with variables, positive by convention.
RADICALS = [
    (r"\frac{1}{\sqrt{n}}", r"\boxed{\sqrt{\frac{1}{n}}}", True),
    (r"\frac{1}{\sqrt{n}}", r"\boxed{\sqrt{n}}", False),
    (r"\sqrt{ab}", r"\boxed{\sqrt{a}\sqrt{b}}", True),
    (r"x\sqrt{x}", r"\boxed{x^{3/2}}", True),
    (r"x\sqrt{x}", r"\boxed{x^{2/3}}", False),
    (r"\frac{\sqrt{2x}}{2}", r"\boxed{\sqrt{\frac{x}{2}}}", True),
    (r"2\sqrt{a}", r"\boxed{\sqrt{4a}}", True),
    (r"2\sqrt{a}", r"\boxed{\sqrt{2a}}", False),
    ("x^2", r"\boxed{x^3}", False),
    (r"\sqrt{x^2 y}", r"\boxed{x\sqrt{y}}", True),
]

CASES: dict[str, list[tuple[str, str, bool]]] = {
    "latex_no_box": LATEX_NO_BOX,
    "final_answer": FINAL_ANSWER,
    "multiple_boxes": MULTIPLE_BOXES,
    "text_answers": TEXT_ANSWERS,
    "relations": RELATIONS,
    "plus_minus": PLUS_MINUS,
    "equations": EQUATIONS,
    "labels": LABELS,
    "assignments": ASSIGNMENTS,
    "thousands": THOUSANDS,
    "gold_latex": GOLD_LATEX,
    "number_words": NUMBER_WORDS,
    "radicals": RADICALS,
}

KIND_TITLES = {
    "latex_no_box": "LaTeX answer with no box",
    "final_answer": "Minerva 'Final Answer' and prose",
    "multiple_boxes": "several boxes, one answer",
    "text_answers": "text answers",
    "relations": "relations and inequalities as intervals",
    "plus_minus": r"\pm as a set",
    "equations": "equations up to a factor",
    "labels": "labelled values (x =, AB/CD =, S1:S2 =)",
    "assignments": "lists of labelled assignments",
    "thousands": "thousands separators",
    "gold_latex": "gold answers written in LaTeX",
    "number_words": "number words",
    "radicals": "radicals with positive variables",
}


def all_cases() -> list[tuple[str, str, str, bool]]:
    """Every row as (kind, gold, completion, expected)."""
    return [(kind, gold, completion, expected) for kind, rows in CASES.items() for gold, completion, expected in rows]

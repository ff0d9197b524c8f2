"""The official Jupyter kernel test suite (Debian's python3-jupyter-kernel-test) against the Trellis kernel.

Run by test/kernel/jupyter.test.ts with JUPYTER_PATH pointing at a kernelspec written for this checkout.
"""
import unittest

import jupyter_kernel_test


class TrellisKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "trellis"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const trellisCompletionValue = 1; trellisCompletionVa", "matches": {"trellisCompletionValue"}},
    ]

    complete_code_samples = ["1", "const a = 1;", "function f() { return 1 }", "for (const x of [1]) {}"]
    incomplete_code_samples = ["function f() {", "const s = `open", "1 +", "if (true) {"]
    invalid_code_samples = ["const = ;", "1 + )", "let 5x = 1"]

    code_page_something = "Math.max?"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2].map((x) => x * 10)", "result": "[ 10, 20 ]"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"></svg>")', "mime": "image/svg+xml"},
        {"code": "display.png(new Uint8Array([137, 80, 78, 71]))", "mime": "image/png"},
        {"code": 'display.markdown("**md**")', "mime": "text/markdown"},
    ]

    code_history_pattern = "'a' + 'b'"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "clearOutput()"


if __name__ == "__main__":
    unittest.main()

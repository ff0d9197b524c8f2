"""Protocol behaviour of the Trellis kernel through jupyter_client, beyond jupyter_kernel_test.

Run by test/kernel/jupyter.test.ts with JUPYTER_PATH pointing at a kernelspec written for this checkout.
"""
import json
import os
import signal
import time
import unittest

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

TIMEOUT = 30


def collect(kc, parent_id, until_idle=True, timeout=TIMEOUT):
    """IOPub messages of one request, up to its idle status."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except Exception:
            continue
        if msg["parent_header"].get("msg_id") != parent_id:
            continue
        out.append(msg)
        if until_idle and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return out
    if until_idle:
        raise AssertionError(f"no idle status for {parent_id} within {timeout}s; got {[m['msg_type'] for m in out]}")
    return out


def reply_to(kc, msg_id):
    """The shell reply to msg_id, skipping others (e.g. answers to the kernel_info requests sent while waiting for ready)."""
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
    return reply


def execute(kc, code, **kw):
    msg_id = kc.execute(code, **kw)
    return reply_to(kc, msg_id), collect(kc, msg_id)


def send_shell(kc, msg_type, content, buffers=None):
    msg = kc.session.msg(msg_type, content)
    kc.session.send(kc.shell_channel.socket, msg, buffers=buffers or [])
    return msg["header"]["msg_id"]


class ProtocolTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="trellis", startup_timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def setUp(self):
        # Drop what earlier tests left on IOPub.
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.05)
            except Exception:
                break

    def test_comms_from_the_frontend_with_buffers(self):
        reply, _ = execute(self.kc, 'import { comms } from "trellis/kernel";\n'
                           'comms.registerTarget("echo", (comm, open) => comm.onMsg((m) => comm.send({ got: m.data, open: open.data }, { buffers: m.buffers })));')
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        open_id = send_shell(self.kc, "comm_open", {"comm_id": "front-1", "target_name": "echo", "data": {"hello": 1}})
        msgs = collect(self.kc, open_id)
        self.assertNotIn("comm_close", [m["msg_type"] for m in msgs])
        info_id = self.kc.comm_info(target_name="echo")
        info = reply_to(self.kc, info_id)
        self.assertEqual(info["content"]["comms"], {"front-1": {"target_name": "echo"}})
        msg_id = send_shell(self.kc, "comm_msg", {"comm_id": "front-1", "data": {"x": 2}}, buffers=[b"\x01\x02\x03"])
        echoed = [m for m in collect(self.kc, msg_id) if m["msg_type"] == "comm_msg"]
        self.assertEqual(len(echoed), 1)
        self.assertEqual(echoed[0]["content"]["data"], {"got": {"x": 2}, "open": {"hello": 1}})
        self.assertEqual([bytes(b) for b in echoed[0]["buffers"]], [b"\x01\x02\x03"])
        close_id = send_shell(self.kc, "comm_close", {"comm_id": "front-1", "data": {}})
        collect(self.kc, close_id)
        self.assertEqual(reply_to(self.kc, self.kc.comm_info(target_name="echo"))["content"]["comms"], {})

    def test_comms_from_the_kernel(self):
        reply, msgs = execute(self.kc, 'const mine = comms.open("frontend.side", { v: 1 });\nmine.onMsg((m) => console.log("kernel got", JSON.stringify(m.data)));\nmine.id')
        opened = [m for m in msgs if m["msg_type"] == "comm_open"]
        self.assertEqual(len(opened), 1)
        self.assertEqual(opened[0]["content"]["target_name"], "frontend.side")
        self.assertEqual(opened[0]["content"]["data"], {"v": 1})
        comm_id = opened[0]["content"]["comm_id"]
        msg_id = send_shell(self.kc, "comm_msg", {"comm_id": comm_id, "data": {"answer": 42}})
        streams = [m for m in collect(self.kc, msg_id) if m["msg_type"] == "stream"]
        self.assertEqual("".join(m["content"]["text"] for m in streams), 'kernel got {"answer":42}\n')

    def test_unknown_comm_target_is_closed(self):
        msg_id = send_shell(self.kc, "comm_open", {"comm_id": "nobody-1", "target_name": "no.such.target", "data": {}})
        closes = [m for m in collect(self.kc, msg_id) if m["msg_type"] == "comm_close"]
        self.assertEqual([m["content"]["comm_id"] for m in closes], ["nobody-1"])

    def test_update_display_data_keeps_the_display_id(self):
        reply, msgs = execute(self.kc, 'const live = tslab.newDisplay(); live.text("v1"); live.text("v2");' if False else
                              'import * as tslab from "tslab";\nconst live = tslab.newDisplay();\nlive.text("v1");\nlive.text("v2");')
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        shown = [m for m in msgs if m["msg_type"] == "display_data"]
        updated = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(shown), 1)
        self.assertEqual(len(updated), 1)
        display_id = shown[0]["content"]["transient"]["display_id"]
        self.assertEqual(updated[0]["content"]["transient"]["display_id"], display_id)
        self.assertEqual(updated[0]["content"]["data"]["text/plain"], "v2")
        # And from a later cell.
        _, later = execute(self.kc, 'live.text("v3")')
        self.assertEqual([m["content"]["transient"]["display_id"] for m in later if m["msg_type"] == "update_display_data"], [display_id])

    def test_background_output_goes_to_the_cell_that_started_it(self):
        first = self.kc.execute('setTimeout(() => console.log("from the background"), 400); "started"')
        reply_to(self.kc, first)
        second, _ = execute(self.kc, "1 + 1")
        late = [m for m in collect(self.kc, first, until_idle=False, timeout=3) if m["msg_type"] == "stream"]
        self.assertEqual([m["content"]["text"] for m in late], ["from the background\n"])
        self.assertNotEqual(second["parent_header"]["msg_id"], first)

    def test_interrupt_by_message_stops_a_busy_loop(self):
        msg_id = self.kc.execute("let spins = 0;\nwhile (true) { spins++; }")
        time.sleep(1.0)
        t0 = time.time()
        self.km.interrupt_kernel()  # interrupt_mode "message": an interrupt_request on control
        reply = reply_to(self.kc, msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.assertLess(time.time() - t0, 5)
        collect(self.kc, msg_id)
        after, _ = execute(self.kc, "spins > 0")
        self.assertEqual(after["content"]["status"], "ok")

    def test_interrupts_from_the_manager_never_take_the_cells_reply(self):
        # The manager signs interrupt_requests with a session of its own whose counter starts at _0, so
        # their msg_ids can repeat the client's: replies must be routed by socket and sender, not by msg_id.
        msg_id = self.kc.execute("await new Promise((r) => setTimeout(r, 600_000).unref());")
        time.sleep(0.5)
        self.km.interrupt_kernel()
        self.km.interrupt_kernel()
        reply = reply_to(self.kc, msg_id)
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        collect(self.kc, msg_id)
        # The same with an interrupt whose msg_id is the pending execute's own, from another session.
        msg_id = self.kc.execute("await new Promise((r) => setTimeout(r, 600_000).unref());")
        time.sleep(0.5)
        other = Session(key=self.kc.session.key)
        interrupt = other.msg("interrupt_request", {})
        interrupt["header"]["msg_id"] = msg_id
        control = zmq.Context.instance().socket(zmq.DEALER)
        control.connect(f"tcp://{self.km.ip}:{self.km.control_port}")
        other.send(control, interrupt)
        self.assertTrue(control.poll(5000), "no interrupt_reply on the interrupting socket")
        _, answer = other.recv(control)
        self.assertEqual(answer["msg_type"], "interrupt_reply")
        control.close(linger=0)
        reply = reply_to(self.kc, msg_id)
        self.assertEqual(reply["msg_type"], "execute_reply")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        collect(self.kc, msg_id)
        after, _ = execute(self.kc, "4 + 4")
        self.assertEqual(after["content"]["status"], "ok")

    def test_the_cell_after_an_interrupted_loop_is_not_interrupted(self):
        # A SIGINT that arrives after the loop's guard has stopped it is kept by Node and breaks the next
        # vm script: the kernel sends it only when the cell has not stopped by itself.
        for _ in range(12):
            msg_id = self.kc.execute("let spun = 0;\nwhile (true) { spun++; }")
            time.sleep(0.2)
            self.km.interrupt_kernel()
            reply = reply_to(self.kc, msg_id)
            self.assertEqual(reply["content"]["ename"], "Interrupted")
            collect(self.kc, msg_id)
            after, _ = execute(self.kc, "await new Promise((r) => setTimeout(r, 150));\n'next cell ran'")
            self.assertEqual(after["content"]["status"], "ok", after["content"])

    def test_interrupt_by_signal_stops_an_await(self):
        msg_id = self.kc.execute("await new Promise((r) => setTimeout(r, 600_000).unref());")
        time.sleep(1.0)
        os.kill(self.km.provisioner.process.pid, signal.SIGINT)
        reply = reply_to(self.kc, msg_id)
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        collect(self.kc, msg_id)
        self.assertTrue(self.km.is_alive())
        after, _ = execute(self.kc, "2 + 2")
        self.assertEqual(after["content"]["status"], "ok")

    def test_heartbeat_beats_while_a_cell_blocks_the_main_thread(self):
        info = self.km.get_connection_info()
        ctx = zmq.Context.instance()
        msg_id = self.kc.execute("const until = Date.now() + 3000; while (Date.now() < until) {}")
        time.sleep(0.5)
        hb = ctx.socket(zmq.REQ)
        hb.connect(f"tcp://{info['ip']}:{info['hb_port']}")
        hb.send(b"ping")
        self.assertTrue(hb.poll(1500), "no heartbeat echo while the cell was busy")
        self.assertEqual(hb.recv(), b"ping")
        hb.close(linger=0)
        # Control answers too (kernel_info on control while shell is busy).
        ctl = self.kc.control_channel
        msg = self.kc.session.msg("kernel_info_request", {})
        ctl.send(msg)
        reply = self.kc.get_control_msg(timeout=2)
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        reply_to(self.kc, msg_id)
        collect(self.kc, msg_id)

    def test_badly_signed_and_malformed_messages_are_dropped(self):
        info = self.km.get_connection_info()
        ctx = zmq.Context.instance()
        header = json.dumps({"msg_id": "bad-1", "session": "s", "username": "u", "date": "", "msg_type": "execute_request", "version": "5.4"}).encode()
        content = json.dumps({"code": "globalThis.badRan = true", "silent": False}).encode()
        signed = lambda parts: [b"<IDS|MSG>", self.kc.session.sign(parts), *parts]
        for port in ("shell_port", "control_port", "stdin_port", "hb_port"):
            sock = ctx.socket(zmq.REQ if port == "hb_port" else zmq.DEALER)
            sock.connect(f"tcp://{info['ip']}:{info[port]}")
            if port == "hb_port":
                sock.send(b"\x00garbage\xff" * 100)  # the heartbeat echoes whatever comes
                self.assertTrue(sock.poll(5000))
                self.assertEqual(sock.recv(), b"\x00garbage\xff" * 100)
                sock.close(linger=0)
                continue
            sock.send_multipart([b"<IDS|MSG>", b"0" * 64, header, b"{}", b"{}", content])  # wrong signature
            sock.send_multipart([b"<IDS|MSG>", b"", b"{not json"])  # truncated and malformed
            sock.send_multipart([b"no delimiter at all"])
            sock.send_multipart([b"\xff" * 3, b"<IDS|MSG>"])
            # Correctly signed, but not JSON objects where the spec wants them, or a header field of the wrong type.
            sock.send_multipart(signed([header, b"[]", b"{}", content]))
            sock.send_multipart(signed([header, b"{}", b"{}", b"\"a string\""]))
            sock.send_multipart(signed([json.dumps({"msg_id": "bad-2", "msg_type": "execute_request", "username": {"a": 1}}).encode(), b"{}", b"{}", content]))
            self.assertFalse(sock.poll(1500), f"the kernel answered a message it should have dropped on {port}")
            sock.close(linger=0)
        reply, msgs = execute(self.kc, "(globalThis as any).badRan === undefined")
        result = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(result[0]["content"]["data"]["text/plain"], "true")

    def test_unknown_request_gets_an_error_reply(self):
        msg_id = send_shell(self.kc, "made_up_request", {})
        reply = reply_to(self.kc, msg_id)
        self.assertEqual(reply["msg_type"], "made_up_reply")
        self.assertEqual(reply["content"]["status"], "error")

    def test_a_cell_printing_100_mb_is_capped_and_the_kernel_stays_responsive(self):
        t0 = time.time()
        reply, msgs = execute(self.kc, 'const chunk = "y".repeat(1_000_000);\nfor (let i = 0; i < 100; i++) process.stdout.write(chunk);\n"done"')
        text = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")
        self.assertLess(len(text), 1_100_000)
        self.assertIn("the rest is not shown", text)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertLess(time.time() - t0, 20)
        after, _ = execute(self.kc, "3 + 3")
        self.assertEqual(after["content"]["status"], "ok")


class LifecycleTests(unittest.TestCase):
    def test_restart_and_shutdown(self):
        km, kc = start_new_kernel(kernel_name="trellis", startup_timeout=60)
        try:
            execute(kc, "const beforeRestart = 1;")
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=60)
            reply, _ = execute(kc, "typeof (globalThis as any).beforeRestart")
            self.assertEqual(reply["content"]["status"], "ok")
            process = km.provisioner.process
            km.shutdown_kernel(now=False)  # a shutdown_request; the kernel exits by itself
            self.assertFalse(km.is_alive())
            self.assertEqual(process.wait(timeout=10), 0)
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)


    def test_shutdown_while_a_cell_blocks_the_main_thread(self):
        km, kc = start_new_kernel(kernel_name="trellis", startup_timeout=60)
        try:
            kc.execute("while (true) {}")
            time.sleep(0.5)
            process = km.provisioner.process
            t0 = time.time()
            msg = kc.session.msg("shutdown_request", {"restart": False})
            kc.control_channel.send(msg)
            reply = kc.get_control_msg(timeout=5)
            self.assertEqual(reply["msg_type"], "shutdown_reply")
            process.wait(timeout=10)
            self.assertLess(time.time() - t0, 10)
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()

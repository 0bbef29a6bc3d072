import contextlib

import pytest
import torch

from fdsl_trainer.errors import TrainerError
from fdsl_trainer.loop import (Precision, cpu_has_bf16, make_scaler, make_stage, pick_device, resolve_precision,
                               seeded_generator, supported_precision)
from fdsl_trainer.models import build_model


def test_pick_device_auto_matches_cuda_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device("auto").type == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_pick_device_rejects_cuda_without_gpu():
    with pytest.raises(TrainerError, match="torch.cuda.is_available"):
        pick_device("cuda")


def test_fp32_precision_is_a_no_op():
    precision = resolve_precision("fp32", torch.device("cpu"))
    assert isinstance(precision.autocast(), contextlib.nullcontext)


def test_bf16_precision_runs_in_bfloat16():
    precision = resolve_precision("bf16", torch.device("cpu"))
    model = build_model("resnet8", 3, width=4)
    with precision.autocast():
        out = model(torch.randn(2, 3, 16, 16))
    assert out.dtype == torch.bfloat16
    assert torch.isfinite(out.float()).all()


def test_bf16_training_survives_small_batches_and_large_inputs():
    # Channels-last tensors corrupted memory in torch 1.13 on both of these.
    precision = resolve_precision("bf16", torch.device("cpu"))
    for batch, size in ((3, 32), (2, 128)):
        model = build_model("resnet8", 3, width=8)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(7):
            with precision.autocast():
                loss = model(torch.randn(batch, 3, size, size)).float().logsumexp(1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        assert torch.isfinite(loss)


def test_fp16_precision_rejected_on_cpu():
    with pytest.raises(TrainerError, match="fp16 needs a CUDA device"):
        resolve_precision("fp16", torch.device("cpu"))


def test_unknown_precision_rejected():
    with pytest.raises(TrainerError, match="invalid precision 'half'"):
        resolve_precision("half", torch.device("cpu"))


def test_auto_precision_follows_cpu_flags(tmp_path):
    with_bf16 = tmp_path / "with"
    with_bf16.write_text("flags\t\t: fpu sse2 avx512f avx512_bf16\n")
    without = tmp_path / "without"
    without.write_text("flags\t\t: fpu sse2 avx2\n")
    assert cpu_has_bf16(with_bf16)
    assert not cpu_has_bf16(without)
    assert not cpu_has_bf16(tmp_path / "absent")
    expected = torch.bfloat16 if cpu_has_bf16() else None
    assert resolve_precision("auto", torch.device("cpu")) == Precision(torch.device("cpu"), expected)


def test_disabled_scaler_passes_loss_through():
    scaler = make_scaler(False)
    loss = torch.tensor(2.5)
    assert float(scaler.scale(loss)) == 2.5


def test_schedule_warms_up_then_decays_to_zero():
    model = build_model("resnet8", 2, width=4)
    stage = make_stage(model, torch.device("cpu"), 32, 8, lr=0.1, weight_decay=0.0, epochs=4,
                       steps_per_epoch=5, precision=resolve_precision("fp32", torch.device("cpu")), generator=seeded_generator(0, 1))
    rates = []
    for _ in range(20):
        rates.append(stage.optimizer.param_groups[0]["lr"])
        stage.optimizer.step()
        stage.scheduler.step()
    # One warm-up epoch of 5 steps reaches the peak, then cosine decay.
    assert rates[0] == pytest.approx(0.02)
    assert rates[4] == pytest.approx(0.1)
    assert rates[-1] < 0.002
    assert all(a >= b for a, b in zip(rates[4:], rates[5:]))


def test_seeded_generators_differ_by_stream():
    first = torch.rand(4, generator=seeded_generator(0, 1))
    again = torch.rand(4, generator=seeded_generator(0, 1))
    other = torch.rand(4, generator=seeded_generator(0, 2))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


class Relu6Net(torch.nn.Module):
    """A convolution followed by ReLU6, whose bfloat16 backward torch 1.13 lacks on the CPU."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.act = torch.nn.ReLU6()

    def forward(self, x):
        return self.act(self.conv(x)).mean((2, 3))


def bf16_backward_works(build) -> bool:
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = build()(torch.zeros(2, 3, 8, 8)).float().sum()
        loss.backward()
        return True
    except RuntimeError:
        return False


def test_supported_precision_keeps_working_bf16():
    precision = resolve_precision("bf16", torch.device("cpu"))
    checked = supported_precision(precision, "auto", lambda: build_model("resnet8", 2, width=4), 16)
    assert checked == precision


@pytest.mark.skipif(bf16_backward_works(Relu6Net), reason="this torch has a bfloat16 ReLU6 backward on the CPU")
def test_supported_precision_falls_back_for_auto():
    precision = resolve_precision("bf16", torch.device("cpu"))
    assert supported_precision(precision, "auto", Relu6Net, 8).dtype is None
    with pytest.raises(TrainerError, match="cannot train in bfloat16"):
        supported_precision(precision, "bf16", Relu6Net, 8)

import contextlib

import pytest
import torch

from fdsl_trainer.errors import TrainerError
from fdsl_trainer.loop import make_scaler, make_stage, mixed_precision, pick_device, seeded_generator
from fdsl_trainer.models import build_model


def test_pick_device_auto_matches_cuda_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device("auto").type == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_pick_device_rejects_cuda_without_gpu():
    with pytest.raises(TrainerError, match="torch.cuda.is_available"):
        pick_device("cuda")


def test_mixed_precision_is_a_no_op_on_cpu():
    assert isinstance(mixed_precision(torch.device("cpu"), True), contextlib.nullcontext)


def test_disabled_scaler_passes_loss_through():
    scaler = make_scaler(False)
    loss = torch.tensor(2.5)
    assert float(scaler.scale(loss)) == 2.5


def test_schedule_warms_up_then_decays_to_zero():
    model = build_model("resnet8", 2, width=4)
    stage = make_stage(model, torch.device("cpu"), 32, 8, lr=0.1, weight_decay=0.0, epochs=4,
                       steps_per_epoch=5, amp=False, generator=seeded_generator(0, 1))
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

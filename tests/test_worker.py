import pytest

from accounts.tasks import ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_on_redis_completes_a_task(celery_worker_process, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    celery_worker_process.start()
    result = ping.apply_async(args=["pong-42"], ignore_result=False)
    try:
        assert result.get(timeout=60) == "pong-42"
    except Exception:
        print(celery_worker_process.log())
        raise

import datetime

import factory

from agencies.choices import CycleStatus, Role
from agencies.models import Agency, AgencyGroup, Cycle, User, Window
from agencies.scheme import normalize_scheme


class AgencyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyGroup
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"group{n}")
    name = factory.Sequence(lambda n: f"分组{n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"agency{n}")
    name = factory.Sequence(lambda n: f"市第{n}局")
    group = factory.SubFactory(AgencyGroupFactory)
    has_service_window = True
    leader_in_charge = "王副市长"


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"w{n}")
    name = "综合窗口"


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    code = factory.Sequence(lambda n: f"c{2000 + n}")
    name = factory.LazyAttribute(lambda o: f"{o.code}年度评议")
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2026, 12, 31)
    status = CycleStatus.OPEN
    scheme = factory.LazyFunction(lambda: normalize_scheme({}))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.LEADER
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

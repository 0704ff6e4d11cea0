import factory

from scoring.models import Indicator


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"i{n}")
    name = factory.Sequence(lambda n: f"指标{n}")
    max_points = 20
    assessor_unit = "市委组织部"

"""The array filter selects exactly the offers the request's rules describe."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skyinfra.catalog import load_catalog
from skyinfra.catalog.matching import OfferArrays
from skyinfra.offer import Offer
from skyinfra.spec import Resources

CATALOG = load_catalog(None)
REGIONS = [("aws", "us-east-1"), ("gcp", "us-central1"), ("azure", "westeurope")]
TABLES = {r: OfferArrays(CATALOG.offers(*r)) for r in REGIONS}


def fits(offer: Offer, want: Resources, spot: bool) -> bool:
    """The rules, one offer at a time (the reference the arrays must agree with)."""
    price = offer.hourly(spot)
    accelerator = (offer.accelerator or "").lower()
    return (
        price is not None
        and price > 0
        and offer.arch == want.arch
        and (want.burstable or not offer.burstable)
        and (want.cpus is None or want.cpus.satisfied_by(offer.vcpus))
        and (want.memory is None or want.memory.satisfied_by(offer.memory_gib))
        and (
            accelerator == ""
            if want.accelerators is None
            else accelerator == want.accelerators.name.lower()
            and offer.accelerator_count == want.accelerators.count
        )
    )


quantity = st.one_of(
    st.none(),
    st.builds(
        lambda n, plus: f"{n}{'+' if plus else ''}",
        st.sampled_from([1, 2, 4, 8, 16, 96]),
        st.booleans(),
    ),
)
accelerators = st.one_of(
    st.none(), st.sampled_from(["T4:1", "t4:4", "A100:8", "H100:8", "L4:1", "V100:2"])
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(REGIONS),
    quantity,
    quantity,
    accelerators,
    st.sampled_from(["x86_64", "arm64"]),
    st.booleans(),
    st.booleans(),
)
def test_arrays_agree_with_the_rules(
    region: tuple[str, str],
    cpus: str | None,
    memory: str | None,
    accel: str | None,
    arch: str,
    burstable: bool,
    spot: bool,
) -> None:
    want = Resources.model_validate(
        {
            "cpus": cpus,
            "memory": memory,
            "accelerators": accel,
            "arch": arch,
            "burstable": burstable,
        },
        strict=False,
    )
    expected = [o for o in CATALOG.offers(*region) if fits(o, want, spot)]
    assert TABLES[region].fitting(want, spot) == expected


def test_a_region_without_offers_fits_nothing() -> None:
    assert OfferArrays([]).fitting(Resources(), spot=False) == []

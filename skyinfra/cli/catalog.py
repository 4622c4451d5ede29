"""`skyinfra catalog`: what the price catalog holds, and where a machine is cheapest, no spec needed.

`skyinfra.cli` registers the group; shared options and error handling come from `cli.util`.
Bad flags are click usage errors (exit 2) carrying the catalog's did-you-mean hints.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from skyinfra.cli.util import catalog_option, json_option, make_console, reports_errors
from skyinfra.errors import SpecError
from skyinfra.suggest import did_you_mean
from skyinfra.units import HOURS_PER_MONTH

if TYPE_CHECKING:
    from skyinfra.catalog.vms import Catalog
    from skyinfra.offer import Offer
    from skyinfra.spec import Accelerator, Quantity, Resources


def _accelerator(text: str) -> Accelerator:
    from skyinfra.spec import Accelerator

    return Accelerator.parse(text)


def _quantity(text: str) -> Quantity:
    from skyinfra.spec import Quantity

    return Quantity.parse(text)


def _cloud(name: str) -> str:
    from skyinfra.clouds import get_cloud

    return get_cloud(name).name


class CloudOption(click.Option):
    """`--cloud`, whose help lists the clouds when it is shown: the registry loads the cloud
    modules, which `skyinfra --help` and completion should not wait for."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from skyinfra.clouds import cloud_names

        self.help = f"Only this cloud ({', '.join(cloud_names())}); repeatable."
        return super().get_help_record(ctx)


class Parsed(click.ParamType):
    """A flag value checked by `parse`; its ValueError / SpecError becomes a usage error."""

    def __init__(self, name: str, parse: Callable[[str], Any]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return self._parse(value)
        except SpecError as err:
            self.fail(_problem_text(err), param, ctx)
        except ValueError as err:
            self.fail(str(err), param, ctx)


def _problem_text(err: SpecError) -> str:
    problem = err.problems[0]
    return f"{problem.message} ({problem.hint})" if problem.hint else problem.message


@click.group()
def catalog() -> None:
    """Inspect the price catalog: its sources, and the cheapest offers for a request."""


# -- info -------------------------------------------------------------------------------------


@catalog.command("info")
@catalog_option
@json_option
@reports_errors
def info_command(catalog_dir: Path | None, as_json: bool) -> None:
    """Snapshot date, data sources, per-cloud region / offer counts and VPN link prices."""
    from skyinfra.catalog.vms import load_catalog

    doc = info_document(load_catalog(catalog_dir), catalog_dir)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    console = make_console()
    say = functools.partial(console.print, markup=False, highlight=False)  # data, not markup
    say(f"VM prices: {_where(doc['clouds'])}")
    console.print(_clouds_table(doc["clouds"]))
    for cloud, entry in doc["clouds"].items():
        for key in ("coverage", "note"):
            if key in entry:
                say(f"{cloud} {key}: {entry[key]}")
        if entry["unpriced_regions"]:
            unpriced = entry["unpriced_regions"]
            say(f"{cloud} regions without prices ({len(unpriced)}): {', '.join(unpriced)}")
    network, geo = doc["network"], doc["geo"]
    say(f"network prices: {network['file']}, snapshot {network['snapshot']}")
    for name, text in network["sources"].items():
        say(f"  {name}: {text}")
    _say_vpn(say, network["vpn"])
    say(f"geo table: {geo['file']}: {geo['regions']} regions, {geo['codes']} codes")


def _where(clouds: dict[str, dict[str, Any]]) -> str:
    """`"aws from user catalog DIR (snapshot unknown); gcp, azure bundled (snapshot ...)"`."""
    parts: dict[tuple[str, str], list[str]] = {}
    for cloud, entry in clouds.items():
        parts.setdefault((entry["from"], entry["snapshot"]), []).append(cloud)
    return "; ".join(
        f"{', '.join(names)} {'' if origin == 'bundled' else 'from '}{origin} (snapshot {snapshot})"
        for (origin, snapshot), names in parts.items()
    )


def info_document(cat: Catalog, catalog_dir: Path | None) -> dict[str, Any]:
    """`catalog.info()` plus offer counts (builds every region's offers: about a second)."""
    info = cat.info()
    for cloud, entry in info["clouds"].items():
        entry["offers"] = sum(len(cat.offers(cloud, r)) for r in cat.regions(cloud))
    return {
        "snapshot": cat.snapshot_date,
        "user_catalog": str(catalog_dir) if catalog_dir else None,
        "source": info["source"],
        "units": info["units"],
        "clouds": info["clouds"],
        "network": info["network"],
        "geo": info["geo"],
    }


def _say_vpn(say: Callable[[str], None], vpn: dict[str, Any]) -> None:
    """Each cloud's side of a VPN link and its gateway, then the links those sides compose."""
    say(f"VPN links: both sides' items for the link's tunnels, {HOURS_PER_MONTH} h/month")
    for cloud, side in vpn["sides"].items():
        per_link = [
            f"1 {x['unit']} per {_plural(x['tunnels_each'], 'tunnel', one='')}{_price(x)}"
            for x in side["per_link"]
        ]
        gateway = [f"{_plural(x['count'], x['unit'])}{_price(x)}" for x in side["gateway"]]
        say(
            f"  {cloud} side: {', '.join(per_link)}; "
            f"names links {side['kind']!r} (precedence {side['kind_precedence']})"
        )
        cost = side["gateway_monthly_cost"]
        say(f"    its gateway, once per site: {', '.join(gateway)}: ${cost:,.2f}/month")
    for link in vpn["links"]:
        a, b = link["clouds"]
        say(
            f"  {a} <-> {b}: {link['kind']}, {link['tunnels']} tunnels = {link['composition']}:"
            f" ${link['monthly_cost']:,.2f}/month"
        )


def _plural(n: int, unit: str, one: str | None = None) -> str:
    """`"2 tunnels"`, `"1 HA VPN gateway"`; `one` replaces the count when it is 1."""
    count = (str(n) if one is None else one) if n == 1 else str(n)
    return f"{count} {unit}{'s' if n != 1 else ''}".lstrip()


def _price(item: dict[str, Any]) -> str:
    return f" (${item['per_hour']:.3f}/h, {item['confidence']})"


def _clouds_table(clouds: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="offers per cloud")
    counts = ("regions", "types", "offers", "rows")
    for column in ("cloud", *counts, "snapshot", "file"):
        table.add_column(column, justify="right" if column in counts else "left")
    for cloud, entry in clouds.items():
        row = (entry["regions"], entry["instance_types"], entry["offers"], entry["rows"])
        table.add_row(cloud, *(f"{n:,}" for n in row), entry["snapshot"], entry["file"])
    return table


# -- find -------------------------------------------------------------------------------------


@catalog.command("find")
@click.option(
    "--accelerators",
    "-a",
    type=Parsed("NAME:COUNT", _accelerator),
    help="Accelerators per VM, e.g. A100:8 (exact count).",
)
@click.option("--cpus", type=Parsed("N[+]", _quantity), help="vCPUs: 8 exactly, 8+ at least.")
@click.option("--memory", type=Parsed("GIB[+]", _quantity), help="Memory in GiB: 32 or 32+.")
@click.option(
    "--cloud",
    "clouds",
    multiple=True,
    type=Parsed("CLOUD", _cloud),
    cls=CloudOption,
)
@click.option(
    "--geo",
    multiple=True,
    metavar="CODE",
    help="Only regions tagged CODE (eu, ch, asia, ...); repeatable.",
)
@click.option("--spot", is_flag=True, help="Rank by spot price.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Rows shown; 0 for all.",
)
@catalog_option
@json_option
@reports_errors
def find_command(
    accelerators: Accelerator | None,
    cpus: Quantity | None,
    memory: Quantity | None,
    clouds: tuple[str, ...],
    geo: tuple[str, ...],
    spot: bool,
    limit: int,
    catalog_dir: Path | None,
    as_json: bool,
) -> None:
    """Offers matching a request across clouds and regions, cheapest first."""
    from skyinfra.catalog.vms import describe, load_catalog
    from skyinfra.spec import Resources

    cat = load_catalog(catalog_dir)
    _check_geo(cat, geo)
    if accelerators is not None:
        _check_accelerator(cat, accelerators, clouds)
    resources = Resources(cpus=cpus, memory=memory, accelerators=accelerators)
    offers = cat.search(resources, spot, list(clouds) or None, list(geo) or None)
    shown = offers[:limit] if limit else offers
    if as_json:
        doc = find_document(cat, resources, spot, clouds, geo, offers, shown)
        click.echo(json.dumps(doc, indent=2))
        return
    asked = describe(resources, spot)
    if not offers:
        click.echo(f"no offer matches {asked}")
        return
    console = make_console()
    console.print(_offers_table(cat, shown, spot, title=f"{asked}: cheapest first"))
    more = f" (--limit 0 for all {len(offers):,})" if len(shown) < len(offers) else ""
    console.print(
        f"{len(shown):,} of {len(offers):,} matching offers{more}; snapshot {cat.snapshot_date}"
    )


def _check_geo(cat: Catalog, codes: Sequence[str]) -> None:
    try:
        cat.check_geo(codes)
    except SpecError as err:
        raise click.BadParameter(_problem_text(err), param_hint="'--geo'") from None


def _check_accelerator(cat: Catalog, wanted: Accelerator, clouds: Sequence[str]) -> None:
    """An accelerator name no searched cloud knows is a typo, not an empty result."""
    known = cat.accelerator_names(clouds or None)
    if wanted.name.lower() in {n.lower() for n in known}:
        return
    hint = (
        did_you_mean(wanted.name, known) or f"{len(known)} names known, e.g. {', '.join(known[:8])}"
    )
    raise click.BadParameter(
        f"no accelerator {wanted.name!r} in the catalog ({hint})", param_hint="'--accelerators'"
    )


def find_document(
    cat: Catalog,
    resources: Resources,
    spot: bool,
    clouds: Sequence[str],
    geo: Sequence[str],
    offers: Sequence[Offer],
    shown: Sequence[Offer],
) -> dict[str, Any]:
    """The `catalog find --json` document: the query, the match count, the rows shown."""
    from skyinfra.clouds import cloud_names

    query: dict[str, Any] = {
        key: _text(getattr(resources, key)) for key in ("accelerators", "cpus", "memory")
    }
    query |= {"spot": spot, "clouds": list(clouds) or cloud_names(), "geo": list(geo)}
    return {
        "snapshot": cat.snapshot_date,
        "query": query,
        "matches": len(offers),
        "offers": [_offer_json(cat, o, spot) for o in shown],
    }


def _offer_json(cat: Catalog, offer: Offer, spot: bool) -> dict[str, Any]:
    hourly = offer.hourly(spot) or 0.0
    return {
        "cloud": offer.cloud,
        "region": offer.region,
        "geo": _geo(cat, offer),
        "instance_type": offer.instance_type,
        "vcpus": offer.vcpus,
        "memory_gib": offer.memory_gib,
        "accelerators": offer.accelerators,
        "hourly_cost": hourly,
        "monthly_cost": round(hourly * HOURS_PER_MONTH, 2),
    }


def _offers_table(cat: Catalog, offers: Sequence[Offer], spot: bool, title: str) -> Table:
    table = Table(title=title)
    columns = ("cloud", "region", "geo", "instance type", "vCPUs", "memory GiB", "accelerators")
    for column in (*columns, "$/hour" + (" spot" if spot else ""), "$/month"):
        table.add_column(column, justify="right" if column[0] in "$vm" else "left")
    for offer in offers:
        hourly = offer.hourly(spot) or 0.0
        table.add_row(
            offer.cloud,
            offer.region,
            ", ".join(_geo(cat, offer)),
            offer.instance_type,
            f"{offer.vcpus:g}",
            f"{offer.memory_gib:g}",
            offer.accelerators or "-",
            f"{hourly:,.4f}",
            f"{hourly * HOURS_PER_MONTH:,.2f}",
        )
    return table


def _geo(cat: Catalog, offer: Offer) -> list[str]:
    """The region's tags, jurisdiction first, area last (`["ch", "europe"]`)."""
    areas = cat.geo_areas()
    return sorted(cat.geo_tags(offer.cloud, offer.region), key=lambda t: (t in areas, t))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)

"""The staging layer: typed, validated copies of the raw tables."""

from assets.staging.assets import staging_assets
from assets.staging.auxo import AUXO_STAGING
from assets.staging.xero import XERO_STAGING

STAGING_ASSETS = [staging_assets("xero", XERO_STAGING), staging_assets("auxo", AUXO_STAGING)]

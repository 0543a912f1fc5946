"""The special cases, each a configuration of its own (reference §8, seed report):

- 专户 (special accounts): finance pays from a 财政专户 with a 5267; the PBoC has the
  special-account clearing bank execute it, and a returned payment becomes a 3268.
- 代理金库 (agent treasury): a commercial bank plays the treasury of a district; it clears on
  its own books, and a clearing receipt counts as cleared when XPayAmt is not 0.00.
- 半级财政 (half-level finance): a district without a treasury of its own is paid from a
  sub-account of the city treasury that only city transfers (5207) fund; a payment beyond the
  sub-account's balance is refused.
"""

from mocks.special.agent_treasury import AgentTreasury
from mocks.special.half_level import HalfLevelTreasury
from mocks.special.special_account import SpecialAccountBank

__all__ = ["AgentTreasury", "HalfLevelTreasury", "SpecialAccountBank"]

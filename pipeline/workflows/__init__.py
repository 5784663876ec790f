"""CI for site repositories: the workflows ``warta init`` writes (:mod:`.writer`), the actions they pin
(:mod:`.pins`) and the hash-checked requirements of ``warta init --lock`` (:mod:`.lock`)."""

"""Story engine: shingles, MinHash signatures and the LSH index under the clustering."""
from newsagg.dedupe.lsh import LSHIndex, MemoryLSHStorage, RedisLSHStorage
from newsagg.dedupe.minhash import Signer, jaccard
from newsagg.dedupe.shingles import char_shingles, word_shingles

__all__ = ["LSHIndex", "MemoryLSHStorage", "RedisLSHStorage", "Signer", "jaccard",
           "char_shingles", "word_shingles"]

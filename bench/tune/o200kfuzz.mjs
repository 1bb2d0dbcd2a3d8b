// Large fuzz of the hand-written o200k_base splitter against the regex: node bench/tune/o200kfuzz.mjs [rounds] [module path]
const rounds = Number(process.argv[2] ?? 200000);
const { O200K_SPLIT_SOURCE, o200kPieceEnd } = await import(process.argv[3] ?? '../../packages/node/dist/tokenizers/o200k-split.js');
const regex = new RegExp(O200K_SPLIT_SOURCE, 'uy');
const alphabet = [...'aAbBsStTlLvVeErRdDmMzZqQ', ...'0123456789', ...' \t\n\r\u000b\u000c', ...'!?.,/_-\'"()#*', "'s", "'ll", "'ve", "'RE", "n't", '  ', '\r\n', ' /', '\n/', 'é', 'É', 'ß', '中', '\u00a0', '\u2028', '½', '٣', '😀', '\u0301', '\ud800', '\u001f', '\u007f'];
let seed = 12345;
const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
let positions = 0, fast = 0, bad = 0;
for (let round = 0; round < rounds; round++) {
  let text = '';
  const length = 1 + (next() % 30);
  for (let i = 0; i < length; i++) text += alphabet[(next() >>> 8) % alphabet.length];
  for (let p = 0; p < text.length; p++) {
    positions++;
    const f = o200kPieceEnd(text, p);
    if (f < 0) continue;
    fast++;
    regex.lastIndex = p;
    const r = regex.test(text) ? regex.lastIndex : -1;
    if (r !== f && bad++ < 5) console.log('MISMATCH', JSON.stringify(text), p, 'fast', f, 'regex', r);
  }
}
console.log(`${positions} positions, ${fast} answered by hand, ${bad} mismatches`);
process.exit(bad === 0 ? 0 : 1);

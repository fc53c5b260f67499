namespace NotebookKit.Text;

/// <summary>
/// Synthetic messages in a spam style the SMS Spam Collection (2011) never saw: crypto-wallet scams. They stand in for
/// a new campaign reaching a deployed filter (10-text-classification-case-study), so that drift and the retrain
/// decision can be shown on text whose words the vocabulary mostly does not know. Made up, not real data.
/// </summary>
public static class SpamCampaigns
{
    static readonly string[] Openers = ["Your crypto wallet", "Ledger alert: your seed phrase", "Metamask notice: wallet",
        "Binance security: account", "NFT airdrop: token"];
    static readonly string[] Middles = ["is frozen pending KYC verification", "expires tonight unless revalidated",
        "needs reconnection to the blockchain", "qualifies for a staking bonus of 0.35 ETH", "was flagged by our compliance bot"];
    static readonly string[] Closers = ["connect at walletsync dot xyz", "scan the QR code in the Telegram group",
        "reply with your twelve recovery words", "claim via the dapp before gas fees rise", "DM our validator on Discord"];

    /// <summary><paramref name="count"/> crypto-wallet scam messages, drawn with <paramref name="seed"/>.</summary>
    public static string[] CryptoWallet(int count, int seed)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"count must be 0 or more, got {count}.");
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
            $"{Openers[random.Next(Openers.Length)]} {Middles[random.Next(Middles.Length)]}, {Closers[random.Next(Closers.Length)]}")
            .ToArray();
    }
}

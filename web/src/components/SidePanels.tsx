/** Right column placeholders; the options chain and order ticket arrive in the next issue. */
export function SidePanels({ symbol }: { symbol: string }) {
  return (
    <aside className="side">
      <section className="panel side-panel" data-testid="panel-options-chain">
        <div className="panel-title">Options chain</div>
        <div className="empty-state">
          <p>No option chain yet for {symbol}.</p>
          <p className="muted">Expirations, strikes, bid / ask and greeks will appear here; pick a contract to trade it.</p>
        </div>
      </section>
      <section className="panel side-panel" data-testid="panel-order-ticket">
        <div className="panel-title">Order ticket</div>
        <div className="empty-state">
          <p>No contract selected.</p>
          <p className="muted">Choose a contract in the options chain to build an order with take-profit and stop (paper account).</p>
        </div>
      </section>
    </aside>
  );
}

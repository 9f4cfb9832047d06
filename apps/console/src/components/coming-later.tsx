import { useId } from 'react';
import { useTranslation } from 'react-i18next';

export interface LaterItem {
  id: string;
  title: string;
  text: string;
}

/** What an area will do in a later release: said plainly, with no made-up data. */
export function ComingLater({ items }: { items: readonly LaterItem[] }) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="later" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('later.heading')}</h2>
      <ul className="later-list">
        {items.map((item) => (
          <li key={item.id} className="later-card" data-testid={`later-${item.id}`}>
            <h3>{item.title}</h3>
            <p className="badge">{t('later.badge')}</p>
            <p>{item.text}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

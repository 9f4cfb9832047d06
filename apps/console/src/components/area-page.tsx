import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

interface AreaPageProps {
  title: string;
  intro?: string;
  /** Beside the heading, outside it (a count badge): the heading's name stays the area's. */
  aside?: ReactNode;
  children?: ReactNode;
}

/** One area of the console: its heading takes focus on arrival, so a screen reader hears where it is. */
export function AreaPage({ title, intro, aside, children }: AreaPageProps) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);

  return (
    <div className="area">
      <div className="area-intro">
        <div className="area-heading">
          <h1 ref={heading} tabIndex={-1}>
            {title}
          </h1>
          {aside}
        </div>
        {intro && <p className="lead">{intro}</p>}
      </div>
      {children}
    </div>
  );
}

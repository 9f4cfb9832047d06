import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

interface AreaPageProps {
  title: string;
  intro?: string;
  children?: ReactNode;
}

/** One area of the console: its heading takes focus on arrival, so a screen reader hears where it is. */
export function AreaPage({ title, intro, children }: AreaPageProps) {
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
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {intro && <p className="lead">{intro}</p>}
      </div>
      {children}
    </div>
  );
}
